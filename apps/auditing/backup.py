"""Backups of the shop's database: `<name>.dump` (pg_dump's custom format) and
`<name>.manifest.json` (size and SHA-256 of the dump, and the database's facts: rows per
table, sums, triggers, functions; see `dbfacts.py`).

The dump and the facts are read from one snapshot: a REPEATABLE READ transaction exports it
and `pg_dump --snapshot` dumps exactly what that transaction sees, so the manifest describes
the dump even while the shop keeps writing. Restoring: `restore.py`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection
from psycopg import IsolationLevel

from . import pgclient
from .dbfacts import DatabaseFacts, database_facts
from .errors import BackupError

MANIFEST_SUFFIX = ".manifest.json"


@dataclass
class BackupManifest:
    name: str
    file: str
    bytes: int
    sha256: str
    database: str
    taken_at: str  # the snapshot's time: the dump holds what was committed before it
    server_version: str
    pg_dump_version: str
    facts: DatabaseFacts

    @classmethod
    def load(cls, path: Path) -> BackupManifest:
        try:
            data = json.loads(path.read_text())
            data["facts"] = DatabaseFacts(**data["facts"])
            return cls(**data)
        except (OSError, ValueError, TypeError, KeyError) as exc:
            raise BackupError(f"{path.name}: unreadable manifest ({exc})") from exc

    def save(self, path: Path) -> None:
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(asdict(self), indent=1, sort_keys=True) + "\n")
        os.replace(tmp, path)


def file_sha256(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def backup_root() -> Path:
    return Path(settings.BACKUP_ROOT)


def _dump_in_snapshot(conn, database: str, target: Path) -> DatabaseFacts:
    """pg_dump the snapshot of `conn`'s transaction while reading its facts alongside."""
    snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
    argv, env = pgclient.command(
        "pg_dump", "owner", database, "-Fc", f"--snapshot={snapshot}", "-f", str(target)
    )
    dump = subprocess.Popen(
        argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    try:
        facts = database_facts(conn)
    finally:
        _, errors = dump.communicate()
    if dump.returncode:
        target.unlink(missing_ok=True)
        raise BackupError(f"pg_dump exited {dump.returncode}: {errors.strip()}")
    return facts


def backup_create(*, output: Path | None = None, name: str | None = None):
    """Dump the shop's database with its manifest into `output`; returns the manifest."""
    output = output or backup_root()
    output.mkdir(parents=True, exist_ok=True)
    database = connection.settings_dict["NAME"]
    now = dt.datetime.now(dt.UTC)
    name = name or f"{database}-{now:%Y%m%dT%H%M%SZ}"
    if not re.fullmatch(r"[\w.-]+", name):
        raise BackupError(f"{name!r}: a backup's name is letters, digits, . _ -")
    dump = output / f"{name}.dump"
    manifest_path = output / f"{name}{MANIFEST_SUFFIX}"
    if dump.exists() or manifest_path.exists():
        raise BackupError(f"{dump} already exists: choose another name")
    partial = output / f"{name}.dump.partial"
    # Read as the owner: it owns every table, so nothing is left out for want of a grant.
    with pgclient.connect("owner", database) as conn:
        conn.isolation_level = IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        taken_at, server_version = conn.execute(
            "SELECT now(), current_setting('server_version')"
        ).fetchone()
        facts = _dump_in_snapshot(conn, database, partial)
    os.replace(partial, dump)
    version = subprocess.run(
        [pgclient.program("pg_dump"), "--version"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    manifest = BackupManifest(
        name=name,
        file=dump.name,
        bytes=dump.stat().st_size,
        sha256=file_sha256(dump),
        database=database,
        taken_at=taken_at.isoformat(),
        server_version=server_version,
        pg_dump_version=version,
        facts=facts,
    )
    manifest.save(manifest_path)
    return manifest


def manifest_for(path: Path) -> tuple[BackupManifest, Path]:
    """The manifest and the dump of a backup named by its dump or its manifest."""
    if path.name.endswith(MANIFEST_SUFFIX):
        manifest_path = path
    else:
        manifest_path = path.with_name(
            path.name.removesuffix(".dump") + MANIFEST_SUFFIX
        )
    if not manifest_path.exists():
        raise BackupError(
            f"{manifest_path} not found: a backup is a dump and its manifest"
        )
    manifest = BackupManifest.load(manifest_path)
    return manifest, manifest_path.with_name(manifest.file)


def dump_check(manifest: BackupManifest, dump: Path) -> None:
    """Refuse a dump whose size or SHA-256 is not the manifest's."""
    if not dump.exists():
        raise BackupError(f"{dump} not found")
    size = dump.stat().st_size
    if size != manifest.bytes:
        raise BackupError(
            f"{dump.name}: {size} bytes, the manifest says {manifest.bytes}:"
            " the file is not the one backed up"
        )
    digest = file_sha256(dump)
    if digest != manifest.sha256:
        raise BackupError(
            f"{dump.name}: SHA-256 {digest}, the manifest says {manifest.sha256}:"
            " the file is not the one backed up"
        )
