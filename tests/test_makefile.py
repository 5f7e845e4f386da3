"""`make help` lists every target; `make test-fast` leaves out only the tests marked slow."""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

from tests import test_migrations

ROOT = Path(__file__).resolve().parent.parent
MAKEFILE = (ROOT / "Makefile").read_text()


def _phony_targets() -> list[str]:
    (line,) = re.findall(r"^\.PHONY:(.*)$", MAKEFILE, flags=re.MULTILINE)
    return line.split()


def _recipe(target: str) -> str:
    match = re.search(rf"^{target}:.*\n((?:\t.*\n)+)", MAKEFILE, flags=re.MULTILINE)
    assert match, f"no recipe for {target}"
    return match.group(1)


# The suite itself runs through `make test`: make is always there.
def test_make_help_lists_every_target_on_one_line():
    result = subprocess.run(
        ["make", "--no-print-directory", "help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    listed = [line.split()[1] for line in result.stdout.splitlines()]
    assert sorted(listed) == sorted(_phony_targets())
    assert all(
        re.fullmatch(r"make [a-z-]+ +\S.*", line) for line in result.stdout.splitlines()
    )


def test_every_target_is_declared_phony():
    defined = re.findall(r"^([a-z][a-z-]*):", MAKEFILE, flags=re.MULTILINE)
    assert sorted(defined) == sorted(_phony_targets())


def test_test_fast_is_test_without_the_slow_tests():
    assert MAKEFILE.count("\ntest: setup browser ") == 1
    assert MAKEFILE.count("\ntest-fast: setup browser ") == 1
    assert _recipe("test-fast") == _recipe("test").replace(
        "-m pytest ", '-m pytest -m "not slow" '
    )
    assert "not slow" not in _recipe("test")


def test_slow_marker_is_registered_and_marks_the_migration_round_trip():
    pytest_options = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"][
        "pytest"
    ]["ini_options"]
    assert "--strict-markers" in pytest_options["addopts"]
    assert any(m.startswith("slow:") for m in pytest_options["markers"])
    round_trip = (
        test_migrations.test_migrate_every_app_to_zero_and_back_on_a_scratch_database
    )
    assert "slow" in {mark.name for mark in round_trip.pytestmark}


def test_make_lint_runs_the_import_contract():
    assert "lint-imports" in _recipe("lint")
