"""The inbox drain's versions timed on the same captures, in one run.

    DATABASE_CONNECT_AS=owner DJANGO_SETTINGS_MODULE=config.settings.dev \
        .venv/bin/python bench/drain_versions.py [version ...]

Each version is a pair of `auditing_inbox_drain()` and the inbox guard `auditing_inbox_guard()`,
read from the SQL file of the migration that wrote it (VERSIONS). For each version the run
makes a scratch database (SCRATCH, migrated, dropped afterwards; the dev database is not
touched), installs the version, writes the same captures into its inbox from a table of its
own (as bench/audit_overhead.py leaves them: a 20k-row capture, one-row captures, 100k-row
captures) and drains them in batches of DRAIN_BATCH events, each its own transaction, as the
job does. Twice:

- into the month's new partition, which nobody has analysed yet: the first drains of every
  month, and of a new database. The trail's partitions are not autovacuumed during the run, so
  every version drains in the same state from start to end;
- again, with the same captures, once that partition is analysed (the steady state).

Prints one JSON line on stdout (events per second, and each batch's seconds), progress on
stderr.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

import django  # noqa: E402

django.setup()

import psycopg  # noqa: E402
from django.conf import settings  # noqa: E402

from apps.auditing.sqlfiles import sql_file, sql_function  # noqa: E402
from bench.audit_overhead import conn_params, context_json  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SCRATCH = "bench_drain_versions"
TABLE = "bench_drain_rows"
ROWS = 100_000
WARM_ROWS = 20_000
ONE_ROW_CAPTURES = int(os.environ.get("ONE_ROW_CAPTURES", 20_000))
BULK_CAPTURES = int(os.environ.get("BULK_CAPTURES", 2))
DRAIN_BATCH = 10_000
DEFINER = (
    "ALTER FUNCTION auditing_inbox_drain(integer, boolean)"
    " SECURITY DEFINER SET search_path = public, pg_temp;"
)

VERSIONS = {
    # inbox.sql (0001) / redaction_marker_only.sql (0002): the guard counts trail rows.
    "0002": [
        sql_function("inbox.sql", "auditing_inbox_drain"),
        sql_function("redaction_marker_only.sql", "auditing_inbox_guard"),
    ],
    # 0003: the guard compares every event with the trail.
    "0003": [
        sql_function("inbox.sql", "auditing_inbox_drain"),
        sql_function("drain_compares.sql", "auditing_inbox_guard"),
    ],
    # 0004: the drain runs with the owner's rights and a fixed search_path.
    "0004": [
        sql_function("inbox.sql", "auditing_inbox_drain"),
        DEFINER,
        sql_function("drain_compares.sql", "auditing_inbox_guard"),
    ],
    # 0005: the batch inside an EXCEPTION block (a subtransaction), the quarantine.
    "0005": [
        sql_function("quarantine.sql", "auditing_inbox_drain"),
        sql_function("quarantine.sql", "auditing_inbox_guard"),
    ],
    # 0006: the guard looks events up by the trail's key.
    "0006": [
        sql_function("quarantine.sql", "auditing_inbox_drain"),
        sql_file("guard_by_key.sql"),
    ],
}

TRIGGERS = f"""
    CREATE TRIGGER {TABLE}_audit_update AFTER UPDATE ON {TABLE}
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION auditing_capture('id', '{{}}');
"""


def log(message: str) -> None:
    print(f"[drain_versions] {message}", file=sys.stderr, flush=True)


def url(creds: dict, database: str) -> str:
    params = conn_params()
    user = quote(creds["USER"], safe="")
    password = f":{quote(creds['PASSWORD'], safe='')}" if creds["PASSWORD"] else ""
    return f"postgres://{user}{password}@{params['host']}:{params['port']}/{database}"


def scratch_create(admin: psycopg.Connection) -> None:
    log(f"creating and migrating the scratch database {SCRATCH}")
    admin.execute(f'DROP DATABASE IF EXISTS "{SCRATCH}"')
    admin.execute(f'CREATE DATABASE "{SCRATCH}"')
    env = dict(os.environ)
    env.pop("DATABASE_CONNECT_AS", None)
    env["DATABASE_URL"] = url(settings.DATABASE_APP, SCRATCH)
    env["DATABASE_OWNER_URL"] = url(settings.DATABASE_OWNER, SCRATCH)
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "migrate", "-v0"],
        env=env,
        check=True,
    )


def captures_write(conn: psycopg.Connection) -> None:
    """As bench/audit_overhead.py leaves them: a 20k-row capture, one-row captures (each its
    own transaction), then the 100k-row captures."""
    log(
        f"captures: one of {WARM_ROWS} rows, {ONE_ROW_CAPTURES} of one row,"
        f" {BULK_CAPTURES} of {ROWS}"
    )
    context = context_json("drain_versions").replace("'", "''")
    conn.execute(
        f"""DO $$ BEGIN
            PERFORM set_config('audit.context', '{context}', true);
            UPDATE {TABLE} SET qty = qty + 1 WHERE id <= {WARM_ROWS};
            COMMIT;
            FOR i IN 1 .. {ONE_ROW_CAPTURES} LOOP
                PERFORM set_config('audit.context', '{context}', true);
                UPDATE {TABLE} SET qty = qty + 1 WHERE id = 1 + (i * 7919) % {ROWS};
                COMMIT;
            END LOOP;
            FOR i IN 1 .. {BULK_CAPTURES} LOOP
                PERFORM set_config('audit.context', '{context}', true);
                UPDATE {TABLE} SET qty = qty + 1;
                COMMIT;
            END LOOP;
        END $$"""
    )
    conn.execute("VACUUM ANALYZE auditing_auditevent_inbox")


def setup(conn: psycopg.Connection) -> None:
    conn.execute(
        f"CREATE TABLE {TABLE} (id bigint PRIMARY KEY, name text NOT NULL,"
        " qty integer NOT NULL, attrs jsonb NOT NULL)"
    )
    conn.execute(
        f"INSERT INTO {TABLE} SELECT g, 'Product ' || g, g % 500,"
        " jsonb_build_object('colour', (ARRAY['red', 'blue'])[1 + g % 2])"
        f" FROM generate_series(1, {ROWS}) g"
    )
    conn.execute(TRIGGERS)
    # Analysed when the run says so, not whenever autovacuum comes by.
    for (partition,) in conn.execute(
        "SELECT inhrelid::regclass::text FROM pg_inherits"
        " WHERE inhparent = 'auditing_auditevent'::regclass"
    ).fetchall():
        conn.execute(f"ALTER TABLE {partition} SET (autovacuum_enabled = off)")


def drain(conn: psycopg.Connection) -> dict:
    """Every capture, in batches of DRAIN_BATCH events, each its own transaction."""
    moved, batches = 0, []
    start = time.perf_counter()
    while True:
        began = time.perf_counter()
        with conn.transaction():
            batch = conn.execute(
                "SELECT auditing_inbox_drain(%s)", [DRAIN_BATCH]
            ).fetchone()[0]
        batches.append(round(time.perf_counter() - began, 2))
        moved += batch
        if batch < DRAIN_BATCH:
            break
    seconds = time.perf_counter() - start
    return {
        "events": moved,
        "s": round(seconds, 2),
        "events_per_s": round(moved / seconds),
        "batch_s": batches,
    }


def run(admin: psycopg.Connection, version: str) -> dict:
    scratch_create(admin)
    try:
        with psycopg.connect(
            **{**conn_params(), "dbname": SCRATCH}, autocommit=True
        ) as conn:
            setup(conn)
            with conn.transaction():
                for statement in VERSIONS[version]:
                    conn.execute(statement)
            captures_write(conn)
            result = {"new_partition": drain(conn)}
            conn.execute("ANALYZE auditing_auditevent")
            captures_write(conn)
            result["analysed_partition"] = drain(conn)
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{SCRATCH}"')
    for phase, figures in result.items():
        log(f"{version} {phase}: {figures}")
    return result


def main() -> None:
    versions = sys.argv[1:] or list(VERSIONS)
    result = {"bench": "drain_versions", "drain_batch_size": DRAIN_BATCH}
    with psycopg.connect(**conn_params(), autocommit=True) as admin:
        result["versions"] = {v: run(admin, v) for v in versions}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
