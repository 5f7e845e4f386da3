"""The image and the compose file deploy as they are (docs/runbooks/deploy.md): production
settings pass `check --deploy`, the entry points never fall back to development settings, the health
check of the image passes behind the host check and the HTTPS redirect, and the compose file
refuses to start without its secrets and publishes only the proxy."""

from __future__ import annotations

import json
import os
import re
import secrets
import shlex
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
CADDYFILE = ROOT / "deploy" / "Caddyfile"

# What the tests' environment sets for the test settings; production reads its own.
_OURS = ("DJANGO_", "DATABASE_", "REDIS_", "SITE_URL", "EMAIL_", "DEFAULT_FROM_EMAIL")


def _base_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(_OURS)}


def _prod_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """Production values, as an operator sets them (docs/runbooks/deploy.md)."""
    return {
        **_base_env(),
        "DJANGO_SETTINGS_MODULE": "config.settings.prod",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "shop.example.com",
        "SITE_URL": "https://shop.example.com",
        "EMAIL_URL": "smtp+tls://mailer:s3cret@smtp.example.com:587",
        "DEFAULT_FROM_EMAIL": "shop@example.com",
        "DATABASE_URL": "postgres://shop_app:app-pw@db.internal:5432/shop",
        "DATABASE_OWNER_URL": "postgres://shop_owner:owner-pw@db.internal:5432/shop",
        "REDIS_URL": "redis://127.0.0.1:1/0",
        "STATIC_ROOT": str(tmp_path / "static"),
        **extra,
    }


def _python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


# --- settings ---------------------------------------------------------------------------------


def test_check_deploy_reports_nothing_with_production_values(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "DEBUG"],
        cwd=ROOT,
        env=_prod_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("System check identified no issues"), result.stdout


def test_check_deploy_refuses_a_weak_secret_key(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_prod_env(tmp_path, DJANGO_SECRET_KEY="change-me-in-production"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "security.W009" in result.stderr + result.stdout


def test_production_settings_take_mail_links_and_security_from_the_environment(
    tmp_path,
):
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SITE_URL, s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_HOST_USER,"
        " s.EMAIL_HOST_PASSWORD, s.EMAIL_USE_TLS, s.DEFAULT_FROM_EMAIL,"
        " s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.ADMIN_URL,"
        " s.CONTENT_SECURITY_POLICY['DIRECTIVES']['frame-ancestors'])"
    )
    env = _prod_env(tmp_path, DJANGO_ADMIN_URL="back-office-7f3a/")
    result = _python(code, env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split(" ", 10) == [
        "https://shop.example.com",
        "django.core.mail.backends.smtp.EmailBackend",
        "smtp.example.com",
        "587",
        "mailer",
        "s3cret",
        "True",
        "shop@example.com",
        "31536000",
        "True",
        "back-office-7f3a/ [\"'none'\"]\n",
    ]


@pytest.mark.parametrize("missing", ["SITE_URL", "EMAIL_URL", "DJANGO_SECRET_KEY"])
def test_production_settings_refuse_to_start_without(missing, tmp_path):
    env = _prod_env(tmp_path)
    del env[missing]
    result = _python("import django; django.setup()", env)
    assert result.returncode != 0
    assert f"Set the {missing} environment variable" in result.stderr


@pytest.mark.parametrize(
    "entry_point",
    [
        "import config.wsgi",
        "import config.asgi",
        "from config.celery import app; app.loader.import_default_modules()",
    ],
)
def test_entry_points_never_default_to_development_settings(entry_point, tmp_path):
    # without DJANGO_SETTINGS_MODULE (nor production values) they refuse to start ...
    bare = _python(entry_point, _base_env())
    assert bare.returncode != 0
    assert "ImproperlyConfigured" in bare.stderr
    assert "config/settings/prod.py" in bare.stderr
    # ... and with production values they run production settings
    env = _prod_env(tmp_path)
    del env["DJANGO_SETTINGS_MODULE"]
    code = (
        f"{entry_point}; from django.conf import settings as s; "
        "print(s.SETTINGS_MODULE, s.DEBUG)"
    )
    ran = _python(code, env)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip().splitlines()[-1] == "config.settings.prod False"


# --- the image --------------------------------------------------------------------------------


def _healthcheck_command() -> list[str]:
    (line,) = [
        ln for ln in DOCKERFILE.read_text().splitlines() if ln.startswith("HEALTHCHECK")
    ]
    return shlex.split(line.split(" CMD ", 1)[1])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def gunicorn_prod(tmp_path, django_db_setup, django_db_blocker):
    """The image's command (gunicorn, production settings) on a port of its own."""
    with django_db_blocker.unblock():
        s = connection.settings_dict
    app = settings.DATABASE_APP
    port = _free_port()
    env = _prod_env(
        tmp_path,
        DATABASE_URL=(
            f"postgres://{app['USER']}:{app['PASSWORD'] or ''}@{s['HOST']}:{s['PORT']}/"
            f"{s['NAME']}"
        ),
        REDIS_URL=settings.CACHES["default"]["LOCATION"],
    )
    log = open(tmp_path / "gunicorn.log", "w")
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        for _ in range(300):  # up to ~30 s for it to listen
            if proc.poll() is not None:
                break
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        assert proc.poll() is None, (tmp_path / "gunicorn.log").read_text()
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def _get(url: str, host: str | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Host": host} if host else {})

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    try:
        with urllib.request.build_opener(NoRedirect).open(request, timeout=10) as r:
            return r.status, r.headers.get("Location", "")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Location", "")


@pytest.mark.django_db
def test_the_image_health_check_passes_behind_the_host_check_and_the_redirect(
    gunicorn_prod,
):
    port = gunicorn_prod
    command = [
        part.replace("127.0.0.1:8000", f"127.0.0.1:{port}")
        for part in _healthcheck_command()
    ]
    assert "/healthz/live" in command[-1]
    # the Dockerfile's own HEALTHCHECK, run as Docker runs it
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=30, env=_base_env()
    )
    assert result.returncode == 0, result.stderr
    # readiness too (the database answers; Redis is the test server)
    assert _get(f"http://127.0.0.1:{port}/healthz/ready")[0] == 200
    # the same server refuses an unknown host and sends plain HTTP to HTTPS
    assert _get(f"http://127.0.0.1:{port}/")[0] == 400
    assert _get(f"http://127.0.0.1:{port}/", host="shop.example.com") == (
        301,
        "https://shop.example.com/",
    )


# --- the compose file -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


REQUIRED = {
    "DJANGO_SECRET_KEY",
    "SHOP_DOMAIN",
    "EMAIL_URL",
    "DEFAULT_FROM_EMAIL",
    "SHOP_APP_DB_PASSWORD",
    "SHOP_OWNER_DB_PASSWORD",
    "POSTGRES_PASSWORD",
}


def test_compose_refuses_to_start_without_its_secrets():
    text = COMPOSE.read_text()
    uses = re.findall(r"\$\{([A-Z_]+)(:\?|:-|-|\?)?[^}]*\}", text)
    for name in REQUIRED:
        forms = {form for var, form in uses if var == name}
        assert forms == {":?"}, (name, forms)
    # no secret, password or key has a fallback value
    for var, form in uses:
        if re.search(r"SECRET|PASSWORD|KEY", var) and form != ":?":
            assert var == "PAYMENTS_NOTIFICATION_SECRET" and form == ":-", var
    assert "change-me" not in text


def test_compose_checks_the_deployment_before_migrating(compose):
    command = compose["services"]["migrate"]["command"]
    assert command.index("check --deploy --fail-level WARNING") < command.index(
        "migrate --noinput"
    )
    for name in ("web", "worker", "beat"):
        depends = compose["services"][name]["depends_on"]
        assert depends["migrate"] == {"condition": "service_completed_successfully"}


def test_compose_publishes_only_the_proxy(compose):
    published = {
        name: service["ports"]
        for name, service in compose["services"].items()
        if service.get("ports")
    }
    assert published == {"proxy": ["80:80", "443:443", "443:443/udp"]}
    for service in compose["services"].values():
        assert "expose" not in service
        assert service.get("network_mode") != "host"


def test_only_the_proxy_reaches_the_web_server(compose):
    services = compose["services"]
    on_edge = {name for name, s in services.items() if "edge" in s.get("networks", [])}
    assert on_edge == {"web", "proxy"}
    assert services["proxy"]["networks"] == ["edge"]
    env = services["web"]["environment"]
    # HTTPS is redirected and X-Forwarded-Proto is honoured: no switch turns that off here
    assert "DJANGO_SECURE_SSL_REDIRECT" not in env
    assert env["DJANGO_SETTINGS_MODULE"] == "config.settings.prod"
    caddy = "\n".join(
        line for line in CADDYFILE.read_text().splitlines() if "#" not in line
    )
    assert "reverse_proxy web:8000" in caddy
    assert "header_up X-Forwarded-Proto {scheme}" in caddy
    # Caddy replaces a client's X-Forwarded-* unless told to trust other proxies
    assert "trusted_proxies" not in caddy


def test_uploaded_media_are_served_by_the_proxy(compose):
    services = compose["services"]
    assert "media:/app/media" in services["web"]["volumes"]
    assert "media:/srv/media:ro" in services["proxy"]["volumes"]
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in services["proxy"]["volumes"]
    caddy = CADDYFILE.read_text()
    assert re.search(r"handle /media/\* \{\s+root \* /srv\b", caddy)
    assert "file_server" in caddy
    assert settings.MEDIA_URL == "/media/"
    assert "MEDIA_ROOT=/app/media" in DOCKERFILE.read_text()


def test_the_admin_lives_where_its_setting_says(tmp_path):
    code = (
        "import django; django.setup(); from django.urls import Resolver404, resolve, "
        "reverse; print(reverse('admin:index'), reverse('admin:second_factor_verify'))\n"
        "try:\n    resolve('/admin/')\nexcept Resolver404:\n    print('no /admin/')"
    )
    result = _python(code, _prod_env(tmp_path, DJANGO_ADMIN_URL="back-office-7f3a/"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "/back-office-7f3a/ /back-office-7f3a/second-factor/",
        "no /admin/",
    ]


# --- the content security policy --------------------------------------------------------------


@pytest.mark.django_db
def test_every_page_carries_the_content_security_policy(client):
    policy = client.get("/")["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"  # no nonce asked for on this page
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy


@pytest.mark.django_db
def test_an_inline_script_runs_only_with_the_request_s_nonce(staff_client):
    # django-celery-beat's task form has one; the project's copy of it carries the nonce
    response = staff_client.get("/admin/django_celery_beat/periodictask/add/")
    assert response.status_code == 200
    nonce = re.search(
        r"script-src 'self' 'nonce-([^']+)'", response["Content-Security-Policy"]
    ).group(1)
    html = response.content.decode()
    assert f'<script id="periodic-task-overrides" nonce="{nonce}">' in html
    # every other script of the page is a file or data, never inline code
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or "application/json" in tag or nonce in tag, tag


# --- logs and errors ----------------------------------------------------------------------


def test_production_logs_are_json_lines_with_the_request_id(tmp_path):
    code = (
        "import django, json, logging; django.setup()\n"
        "from apps.auditing.context import audit_context\n"
        "with audit_context(source='web', request_id='req-42'):\n"
        "    logging.getLogger('shop.test').warning('paid %s', 'SO-1')\n"
    )
    result = _python(code, _prod_env(tmp_path))
    assert result.returncode == 0, result.stderr
    entry = json.loads(result.stderr.strip().splitlines()[-1])
    assert (entry["level"], entry["logger"], entry["message"]) == (
        "WARNING",
        "shop.test",
        "paid SO-1",
    )
    assert (entry["request_id"], entry["source"]) == ("req-42", "web")


def test_sentry_is_set_up_only_when_a_dsn_is_given(tmp_path):
    code = (
        "import django; django.setup(); import sentry_sdk\n"
        "client = sentry_sdk.get_client()\n"
        "print(bool(client.is_active()), client.options.get('send_default_pii'))\n"
    )
    without = _python(code, _prod_env(tmp_path))
    assert without.returncode == 0, without.stderr
    assert without.stdout.split()[0] == "False"
    dsn = "https://public@sentry.example.com/1"
    given = _python(code, _prod_env(tmp_path, SENTRY_DSN=dsn))
    assert given.returncode == 0, given.stderr
    assert given.stdout.split() == ["True", "False"]
