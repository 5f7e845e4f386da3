"""Point-in-time recovery as docs/runbooks/backup.md describes it, on a cluster of its own.

The archiving settings, the `pg_basebackup` line and the recovery settings are read from the
runbook, so the page cannot drift from what is tested: a base backup and the archived WAL
restore a new server to a noted moment, with exactly the rows committed before it.
"""

from __future__ import annotations

import re
import shlex
import shutil
import tarfile
import tempfile
import time
from pathlib import Path

import psycopg
import pytest

from tests.pgcluster import (
    PG_BIN,
    as_postgres,
    free_port,
    give_to_postgres,
    initdb,
    run,
    start,
    stop,
)

pytestmark = pytest.mark.slow

RUNBOOK = Path(__file__).resolve().parent.parent / "docs" / "runbooks" / "backup.md"
DOC_ARCHIVE = "/var/lib/postgresql/wal-archive"
USER = "shop"
WAIT = 120  # seconds: a bound on waiting for the server, not an assertion about speed


def _block(containing: str) -> str:
    """The runbook's code block that holds `containing` (indented blocks included)."""
    blocks = re.findall(r"^ *```\w*\n(.*?)^ *```", RUNBOOK.read_text(), re.M | re.S)
    (block,) = [b for b in blocks if containing in b]
    return "\n".join(line.strip() for line in block.splitlines()) + "\n"


def _basebackup_argv(port: int, target: Path) -> list[str]:
    (line,) = [
        line for line in _block("pg_basebackup").splitlines() if line.startswith("pg_")
    ]
    argv = shlex.split(line)
    values = {"-h": "127.0.0.1", "-p": str(port), "-U": USER, "-D": str(target)}
    for i, arg in enumerate(argv):
        if arg in values:
            argv[i + 1] = values[arg]
    return [str(PG_BIN / "pg_basebackup"), *argv[1:]]


def _wait_for(query: str, want, conninfo: dict) -> None:
    deadline = time.monotonic() + WAIT
    while True:
        try:
            with psycopg.connect(**conninfo, autocommit=True) as conn:
                if conn.execute(query).fetchone()[0] == want:
                    return
        except psycopg.OperationalError:
            pass  # still starting
        assert time.monotonic() < deadline, f"waited {WAIT}s for {query!r}"
        time.sleep(0.2)


@pytest.fixture
def workdir():
    root = Path(tempfile.mkdtemp(prefix="shop-pitr-"))
    give_to_postgres(root)
    yield root
    for data in ("primary", "restored"):
        if (root / data / "PG_VERSION").exists():
            stop(root / data)
    shutil.rmtree(root, ignore_errors=True)


def _labels(conninfo: dict) -> list[str]:
    with psycopg.connect(**conninfo) as conn:
        return [r[0] for r in conn.execute("SELECT label FROM sale ORDER BY id")]


def test_a_base_backup_and_the_wal_archive_restore_to_a_moment(workdir):
    # given: a cluster archiving its WAL with the runbook's settings, and a base backup
    archive, primary, base = (
        workdir / "wal-archive",
        workdir / "primary",
        workdir / "base",
    )
    archive.mkdir()
    primary.mkdir()
    give_to_postgres(archive, primary)
    initdb(primary, USER)
    settings = _block("archive_command").replace(DOC_ARCHIVE, str(archive))
    with (primary / "postgresql.conf").open("a") as conf:
        conf.write(settings)
    port = free_port()
    start(primary, port)
    source = {"host": "127.0.0.1", "port": port, "user": USER, "dbname": "postgres"}
    with psycopg.connect(**source, autocommit=True) as conn:
        conn.execute("CREATE TABLE sale (id serial PRIMARY KEY, label text)")
        conn.execute("INSERT INTO sale (label) VALUES ('before the base backup')")
    run(as_postgres(_basebackup_argv(port, base)))

    # when: rows are written, the moment is noted, a mistake follows, the WAL is archived
    with psycopg.connect(**source, autocommit=True) as conn:
        conn.execute("INSERT INTO sale (label) VALUES ('kept 1'), ('kept 2')")
        moment = conn.execute("SELECT clock_timestamp()::text").fetchone()[0]
        conn.execute("DELETE FROM sale WHERE label = 'kept 1'")
        conn.execute("INSERT INTO sale (label) VALUES ('after the moment')")
        segment = conn.execute("SELECT pg_walfile_name(pg_switch_wal())").fetchone()[0]
    _wait_for(
        f"SELECT last_archived_wal >= '{segment}' FROM pg_stat_archiver", True, source
    )
    assert _labels(source) == ["before the base backup", "kept 2", "after the moment"]
    stop(primary)  # the server is lost

    # and: the base backup is unpacked into a new data directory with the recovery settings
    restored = workdir / "restored"
    restored.mkdir(mode=0o700)
    with tarfile.open(base / "base.tar.gz") as tar:
        tar.extractall(restored, filter="tar")
    with tarfile.open(base / "pg_wal.tar.gz") as tar:
        tar.extractall(restored / "pg_wal", filter="tar")
    recovery = _block("restore_command").replace(DOC_ARCHIVE, str(archive))
    recovery = re.sub(
        r"recovery_target_time = '[^']*'",
        f"recovery_target_time = '{moment}'",
        recovery,
    )
    with (restored / "postgresql.conf").open("a") as conf:
        conf.write("archive_mode = off\n" + recovery)
    (restored / "recovery.signal").touch()
    give_to_postgres(restored, recursive=True)
    new_port = free_port()
    start(restored, new_port)

    # then: once promoted, exactly the rows committed before the moment are there
    target = {**source, "port": new_port}
    _wait_for("SELECT pg_is_in_recovery()", False, target)
    assert _labels(target) == ["before the base backup", "kept 1", "kept 2"]
    assert "recovery stopping before commit" in (restored / "log").read_text()
