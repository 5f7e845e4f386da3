"""`make run` reads `.env` in one place (scripts/lib.sh) and the settings derive mail links from
the port it serves on."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent


def _checkout(tmp_path: Path, env_file: str) -> Path:
    """The scripts in a scratch checkout with its own .env."""
    (tmp_path / "scripts").mkdir()
    for script in (ROOT / "scripts").glob("*.sh"):
        shutil.copy(script, tmp_path / "scripts" / script.name)
    (tmp_path / ".env").write_text(env_file)
    return tmp_path


def _dry_run(checkout: Path, **env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SHOP_")}
    result = subprocess.run(
        ["bash", "scripts/run.sh", "--dry-run"],
        cwd=checkout,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return result.stdout


def test_run_serves_on_the_port_of_dot_env(tmp_path):
    checkout = _checkout(
        tmp_path, "# the shop\nSHOP_PORT=8311\nSHOP_HOST='127.0.0.2'\nPG_PORT=1\n"
    )
    out = _dry_run(checkout)
    assert "manage.py runserver 127.0.0.2:8311 --noreload" in out
    assert "web:    http://127.0.0.2:8311/" in out
    assert "admin:  http://127.0.0.2:8311/admin/" in out


def test_the_environment_wins_over_dot_env_and_nothing_in_it_runs(tmp_path):
    checkout = _checkout(tmp_path, "SHOP_PORT=8311\nX=$(touch ran)\n`touch ran`\n")
    out = _dry_run(checkout, SHOP_PORT="8322")
    assert "web:    http://127.0.0.1:8322/" in out
    assert not (checkout / "ran").exists()


def _script(checkout: Path, *args: str) -> str:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SHOP_", "DATABASE_", "REDIS_"))
    }
    result = subprocess.run(
        ["bash", *args],
        cwd=checkout,
        env=clean,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return result.stdout


def test_servers_named_in_dot_env_are_used_instead_of_local_ones(tmp_path):
    checkout = _checkout(
        tmp_path,
        "DATABASE_URL=postgres://shop@db.example/shop\n"
        "REDIS_URL=redis://cache.example:6379/0\n",
    )
    assert _script(checkout, "scripts/pg.sh", "start") == (
        "using DATABASE_URL: no local PostgreSQL\n"
    )
    assert _script(checkout, "scripts/redis.sh", "start") == (
        "using REDIS_URL: no local Redis\n"
    )
    assert _script(checkout, "scripts/roles.sh") == (
        "DATABASE_ADMIN_URL not set: roles left as they are\n"
    )
    assert not (checkout / ".local").exists()


def _fake_shop(checkout: Path, beat: str) -> None:
    """Stand-ins for the three processes: each waits until it is stopped."""
    bin_dir = checkout / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "python").write_text("#!/bin/bash\nexec sleep 60\n")
    (bin_dir / "celery").write_text(
        f'#!/bin/bash\n[ "$3" = beat ] && {{ {beat}; }}\nexec sleep 60\n'
    )
    for path in bin_dir.iterdir():
        path.chmod(0o755)


def _run_until_serving(checkout: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        ["bash", "scripts/run.sh"],
        cwd=checkout,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, as a terminal's job
    )
    for line in process.stdout:
        if line.startswith("admin:"):
            break
    return process


def _rest(process: subprocess.Popen) -> str:
    """What the script writes after its URLs, once it has exited. Read through the same
    buffered stream the lines before were read from (communicate() would read the pipe
    beneath it and miss what that stream had already buffered)."""
    process.wait(timeout=30)
    return process.stdout.read()


def test_ctrl_c_stops_the_shop_quietly_and_successfully(tmp_path):
    checkout = _checkout(tmp_path, "")
    _fake_shop(checkout, beat="true")
    process = _run_until_serving(checkout)
    # Ctrl-C on a terminal interrupts the whole foreground process group
    os.killpg(process.pid, signal.SIGINT)
    rest = _rest(process)
    assert process.returncode == 0
    assert rest.split("\n")[-3:] == [
        "stopping web, worker and beat ...",
        "stopped web, worker and beat",
        "",
    ]
    assert "exited" not in rest


def test_a_process_that_exits_by_itself_is_named_and_fails_the_run(tmp_path):
    checkout = _checkout(tmp_path, "")
    _fake_shop(checkout, beat="exit 3")
    process = _run_until_serving(checkout)
    rest = _rest(process)
    assert process.returncode == 1
    assert "beat exited (status 3); stopping the others" in rest
    assert rest.endswith("stopped web, worker and beat\n")


def test_make_run_names_no_port_of_its_own():
    makefile = (ROOT / "Makefile").read_text()
    run_recipe = makefile.split("\nrun: ", 1)[1].split("\n\n", 1)[0]
    assert "8000" not in run_recipe and "SHOP_PORT" not in run_recipe
    assert "SHOP_PORT:-" not in (ROOT / "scripts" / "run.sh").read_text()


def _dev_settings(*names: str, **env: str) -> list[str]:
    """Values of the development settings, loaded afresh in a process of their own."""
    code = (
        "import django; django.setup(); from django.conf import settings; "
        f"print(*[getattr(settings, n) for n in {list(names)!r}], sep='\\n')"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SHOP_")}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings.dev", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.splitlines()


def test_site_url_follows_the_shops_port_unless_set():
    # SITE_URL="" stands for unset (a developer's .env may set it; the environment wins)
    assert _dev_settings("SITE_URL", SITE_URL="", SHOP_PORT="8311") == [
        "http://127.0.0.1:8311"
    ]
    assert _dev_settings(
        "SITE_URL", SITE_URL="", SHOP_HOST="0.0.0.0", SHOP_PORT="8312"
    ) == ["http://127.0.0.1:8312"]
    assert _dev_settings(
        "SITE_URL", SITE_URL="https://shop.example", SHOP_PORT="8311"
    ) == ["https://shop.example"]


def test_development_mail_goes_to_files_under_dot_local_mail():
    backend, path = _dev_settings(
        "EMAIL_BACKEND", "EMAIL_FILE_PATH", EMAIL_BACKEND="", EMAIL_FILE_PATH=""
    )
    assert backend == "apps.auditing.mail.DevMailBackend"
    assert Path(path) == ROOT / ".local" / "mail"


@pytest.mark.django_db
def test_the_staff_login_line_points_at_site_url(settings, tmp_path):
    settings.BASE_DIR = tmp_path  # the generated password goes to tmp_path/.local
    settings.SITE_URL = "http://127.0.0.1:8311"
    out = StringIO()
    call_command("staff_login", stdout=out)
    assert out.getvalue().startswith(
        "Staff login: http://127.0.0.1:8311/admin/  email: admin@shop.local  password: "
    )
