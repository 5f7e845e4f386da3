"""Restoring a backup (`backup.py`) into a fresh database, and proving the restore.

`backup_restore()`: the dump's SHA-256 is checked against its manifest first; then a new
database owned by the owner role is created (an existing name is refused), `pg_restore
--exit-on-error` loads it as the owner, and `restore_verify()` compares the restored
database's facts with the manifest's and tries a breach of every append-only table that
has rows, in a transaction rolled back, as the application's role and as the owner: each
must be refused (by the grants, and by the table's trigger). docs/runbooks/backup.md.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path

import pgtrigger
import psycopg
from django.conf import settings
from psycopg import sql

from . import pgclient
from .backup import BackupManifest, dump_check, manifest_for
from .dbfacts import Check, database_facts, facts_compare
from .errors import BackupError
from .roles import role_names, roles_split

DATABASE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
# The refusals that count: no privilege (the grants), or a trigger's RAISE.
REFUSALS = (psycopg.errors.InsufficientPrivilege, psycopg.errors.RaiseException)


def default_database_name(manifest: BackupManifest) -> str:
    return re.sub(r"[^a-z0-9_]", "_", f"restore_{manifest.name}".lower())[:63]


def _creator() -> str:
    # DATABASE_ADMIN_URL's role creates databases; without it the owner must have CREATEDB.
    return "admin" if settings.DATABASE_ADMIN_URL else "owner"


def database_create(name: str) -> None:
    """Create the empty database `name`, owned by the owner role; refuse an existing one."""
    if not DATABASE_NAME.fullmatch(name):
        raise BackupError(f"{name!r}: a database name is lower-case letters, digits, _")
    owner, app, report = role_names()
    with pgclient.connect(_creator(), "postgres", autocommit=True) as cluster:
        if cluster.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone():
            raise BackupError(
                f"database {name} exists: a backup is restored into a new database only"
            )
        cluster.execute(
            sql.SQL("CREATE DATABASE {} OWNER {}").format(
                sql.Identifier(name), sql.Identifier(owner)
            )
        )
        # What `manage.py db_roles` gives the shop's database (a dump holds no database
        # privileges): the application and the report role connect, nobody else.
        cluster.execute(
            sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(
                sql.Identifier(name)
            )
        )
        cluster.execute(
            sql.SQL("GRANT CONNECT ON DATABASE {} TO {}, {}").format(
                sql.Identifier(name), sql.Identifier(app), sql.Identifier(report)
            )
        )


def database_drop(name: str) -> None:
    with pgclient.connect(_creator(), "postgres", autocommit=True) as cluster:
        cluster.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(name)
            )
        )


def _untrusted_extensions(dump: Path, database: str) -> tuple[list[str], set[str]]:
    """The dump's extensions only a superuser may create, and its table of contents."""
    toc = subprocess.run(
        [pgclient.program("pg_restore"), "-l", str(dump)],
        capture_output=True,
        text=True,
    )
    if toc.returncode:
        raise BackupError(
            f"pg_restore -l exited {toc.returncode}: {toc.stderr.strip()}"
        )
    names = set(re.findall(r"^\d+; \d+ \d+ EXTENSION - (\S+)", toc.stdout, re.M))
    with pgclient.connect("owner", database) as conn:
        trusted = {
            name
            for (name,) in conn.execute(
                "SELECT DISTINCT name FROM pg_available_extension_versions WHERE trusted"
            ).fetchall()
        }
    return toc.stdout.splitlines(), names - trusted


def _restore_list(dump: Path, database: str, workdir: Path) -> list[str]:
    """pg_restore's `-L` list: extensions the owner may not create (pg_stat_statements) are
    created beforehand by DATABASE_ADMIN_URL's role and left out of the owner's restore."""
    toc, untrusted = _untrusted_extensions(dump, database)
    if not untrusted or not settings.DATABASE_ADMIN_URL:
        return []  # pg_restore reports an extension the owner cannot create
    with pgclient.connect("admin", database, autocommit=True) as conn:
        for name in sorted(untrusted):
            conn.execute(
                sql.SQL("CREATE EXTENSION IF NOT EXISTS {} WITH SCHEMA public").format(
                    sql.Identifier(name)
                )
            )
    names = "|".join(map(re.escape, untrusted))
    skipped = re.compile(
        rf"^\d+; \d+ \d+ (?:COMMENT - )?EXTENSION -? ?({names})(?:\s|$)"
    )
    listing = workdir / "restore.list"
    listing.write_text("\n".join(line for line in toc if not skipped.match(line)))
    return ["-L", str(listing)]


def dump_load(dump: Path, database: str) -> None:
    """pg_restore the dump into the (new, empty) database as the owner; stop at an error."""
    with tempfile.TemporaryDirectory(prefix="shop-restore-") as workdir:
        listing = _restore_list(dump, database, Path(workdir))
        argv, env = pgclient.command(
            "pg_restore",
            "owner",
            database,
            "--exit-on-error",
            "--single-transaction",
            *listing,
            str(dump),
        )
        done = subprocess.run(argv, env=env, capture_output=True, text=True)
    if done.returncode:
        raise BackupError(f"pg_restore exited {done.returncode}: {done.stderr.strip()}")


def append_only_tables() -> dict[str, str]:
    """{table: key column} of the tables whose trigger refuses every UPDATE (ledgers,
    histories, the lines of orders), as the models declare them."""
    tables = {}
    for model, trigger in pgtrigger.registered():
        if (
            isinstance(trigger, pgtrigger.Protect)
            and trigger.condition is None
            and "UPDATE" in str(trigger.operation)
            and model._meta.managed
        ):
            tables[model._meta.db_table] = model._meta.pk.column
    return dict(sorted(tables.items()))


def _breach(role: str, database: str, table: str, key: str) -> str | None:
    """Try to rewrite one row of `table` as `role`, rolled back; the refusal, or None."""
    statement = sql.SQL(
        "UPDATE {table} SET {key} = {key}"
        " WHERE ctid = (SELECT ctid FROM {table} LIMIT 1)"
    ).format(table=sql.Identifier(table), key=sql.Identifier(key))
    with pgclient.connect(role, database) as conn:
        try:
            with conn.transaction(force_rollback=True):
                conn.execute(statement)
        except REFUSALS as exc:
            return exc.diag.message_primary
    return None


def breach_checks(database: str, rows: dict[str, dict]) -> list[Check]:
    """Every append-only table with rows refuses an UPDATE, to each role that writes."""
    roles = ["application", "owner"] if roles_split() else ["owner"]
    checks = []
    for table, key in append_only_tables().items():
        if not rows.get(table, {}).get("rows"):
            continue
        for role in roles:
            refusal = _breach(role, database, table, key)
            who = pgclient.credentials(role)["user"]
            if refusal is None:
                checks.append(Check(False, f"breach of {table} as {who}: NOT refused"))
            else:
                checks.append(
                    Check(True, f"breach of {table} as {who} refused: {refusal}")
                )
    if not checks:
        checks.append(
            Check(True, "breaches: no append-only table has a row to try one on")
        )
    return checks


def restore_verify(manifest: BackupManifest, database: str) -> list[Check]:
    """Compare the restored database with the manifest, and try the breaches."""
    with pgclient.connect("owner", database) as conn:
        restored = database_facts(conn)
    return facts_compare(manifest.facts, restored) + breach_checks(
        database, restored.tables
    )


def backup_restore(path: Path, *, database: str | None = None):
    """Check, restore and verify the backup at `path` (dump or manifest) into a new
    database; returns (database, manifest, checks). The database stays when a check fails,
    for the investigation; it is dropped when pg_restore itself fails."""
    manifest, dump = manifest_for(path)
    dump_check(manifest, dump)
    database = database or default_database_name(manifest)
    database_create(database)
    try:
        dump_load(dump, database)
    except BackupError:
        database_drop(database)
        raise
    with pgclient.connect("owner", database, autocommit=True) as conn:
        conn.execute("ANALYZE")  # a restored database has no planner statistics yet
    return database, manifest, restore_verify(manifest, database)
