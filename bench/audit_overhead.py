"""What the audit trigger costs: an audited table against an identical plain one, side by side.

    DJANGO_SETTINGS_MODULE=config.settings.dev .venv/bin/python bench/audit_overhead.py

(a) single-row UPDATEs, each its own transaction, from pgbench (8 clients), tables alternating;
(b) one UPDATE of all 100k rows, tables alternating, median of a few runs, each on a new
    connection;
(c) a session that did single-row UPDATEs first, then a 20k-row UPDATE: PL/pgSQL keeps the
    plans of a session's first calls, so this catches a plan that only suits one row.

The trigger writes one capture per statement to the inbox `auditing_auditevent_inbox` (a
one-row UPDATE: its two images; a multi-row UPDATE: only the changed columns, compared in the
trigger; the PL/pgSQL function `auditing_capture()`, `capture_function_md5` says which
version ran); the job
`auditing.inbox_drain` expands captures into events in the partitioned trail later, off the
writer's path. (a)-(c) are what the writing transaction pays (the primary
figures, `*_ratio`). Then:

(d) the drain: every capture the runs left is moved into the trail by
    `auditing_inbox_drain()` in batches of about DRAIN_BATCH events, each its own
    transaction, as the job does; `drain_rows_per_s` is that throughput (events moved per
    second of wall time). It is a separate figure: nobody's transaction waits for it.

Prints one JSON line on stdout, progress on stderr. Drops what it creates, except the audit
events of the audited table: the trail is append-only, so they stay in the current month's
partition (counted in the JSON, findable by their request_id).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

import django  # noqa: E402

django.setup()

import psycopg  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import DatabaseError, connection  # noqa: E402

ON, OFF = "bench_audit_on", "bench_audit_off"
PGBENCH_SCHEMA = "bench_pgbench"
ROWS = 100_000
CLIENTS, THREADS = 8, 2
ROUNDS, ROUND_SECONDS = 7, 4
TPCB_SCALE, TPCB_SECONDS = 8, 5
BULK_REPS = 3
WARM_ROWS, WARM_TIMEOUT = 20_000, "60s"
SINGLE_ROW_TARGET, BULK_TARGET = 0.65, 2.5
DRAIN_BATCH = 10_000
LOCK = "bench:audit_overhead"

COLUMNS = """
    id         bigint PRIMARY KEY,
    name       text NOT NULL,
    price      numeric(12, 2) NOT NULL,
    qty        integer NOT NULL,
    updated_at timestamptz NOT NULL,
    attrs      jsonb NOT NULL
"""
FILL = """
    INSERT INTO {table}
    SELECT g, 'Product ' || g, round((1 + (g * 7919) % 20000 / 100.0)::numeric, 2), g % 500,
           now() - g * interval '1 minute',
           jsonb_build_object('colour', (ARRAY['red', 'green', 'blue', 'black'])[1 + g % 4],
                              'size', (ARRAY['S', 'M', 'L', 'XL'])[1 + g / 4 % 4])
    FROM generate_series(1, {rows}) g
"""
# What pgtrigger creates for `audited()` on a model whose primary key column is `id`.
TRIGGERS = """
    CREATE TRIGGER {t}_audit_insert AFTER INSERT ON {t} REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION auditing_capture('id', '{{}}');
    CREATE TRIGGER {t}_audit_update AFTER UPDATE ON {t}
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION auditing_capture('id', '{{}}');
    CREATE TRIGGER {t}_audit_delete AFTER DELETE ON {t} REFERENCING OLD TABLE AS old_rows
        FOR EACH STATEMENT EXECUTE FUNCTION auditing_capture('id', '{{}}');
"""


def log(message: str) -> None:
    print(f"[audit_overhead] {message}", file=sys.stderr, flush=True)


def sql(statement: str, params=None):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else None


def conn_params() -> dict:
    db = settings.DATABASES["default"]
    params = {
        "host": db["HOST"],
        "port": db["PORT"],
        "user": db["USER"],
        "password": db["PASSWORD"],
        "dbname": db["NAME"],
    }
    return {k: str(v) for k, v in params.items() if v}


def pgbench_binary() -> str:
    for candidate in (os.environ.get("PGBENCH"), "/usr/lib/postgresql/15/bin/pgbench"):
        if candidate and Path(candidate).is_file():
            return candidate
    found = shutil.which("pgbench")
    if not found:
        raise SystemExit("pgbench not found (set PGBENCH)")
    return found


def pg_env(extra_options: str = "") -> dict:
    names = {
        "host": "PGHOST",
        "port": "PGPORT",
        "user": "PGUSER",
        "password": "PGPASSWORD",
        "dbname": "PGDATABASE",
    }
    env = dict(os.environ)
    env.update({names[k]: v for k, v in conn_params().items()})
    if extra_options:
        env["PGOPTIONS"] = extra_options
    return env


def context_json(run_id: str) -> str:
    # What apps/auditing/db.py sends for a management command without an actor. Default
    # separators: pgbench would read ":null" as a variable.
    return json.dumps(
        {
            "source": "command",
            "actor_id": None,
            "actor_kind": "system",
            "request_id": run_id,
            "ip": None,
            "extra": {"bench": "audit_overhead"},
        }
    )


def drop_all() -> None:
    sql(f"DROP TABLE IF EXISTS {ON}, {OFF}")
    sql(f"DROP SCHEMA IF EXISTS {PGBENCH_SCHEMA} CASCADE")


def setup() -> None:
    log(f"creating {ON} and {OFF} with {ROWS} rows each")
    drop_all()
    for table in (OFF, ON):
        # Vacuumed by hand between runs; autovacuum would land in the middle of one.
        sql(f"CREATE TABLE {table} ({COLUMNS}) WITH (autovacuum_enabled = off)")
        sql(FILL.format(table=table, rows=ROWS))
    # One untimed full UPDATE first, so every timed one finds the same half-empty pages;
    # it runs before the triggers exist and so writes no audit events.
    for table in (OFF, ON):
        sql(f"UPDATE {table} SET updated_at = updated_at + interval '1 second'")
        sql(f"VACUUM (ANALYZE) {table}")
    sql(TRIGGERS.format(t=ON))


def pgbench_run(script: Path | None, seconds: int, options: str = "") -> float:
    args = [
        pgbench_binary(),
        "-n",
        "-c",
        str(CLIENTS),
        "-j",
        str(THREADS),
        "-T",
        str(seconds),
    ]
    if script is not None:
        args += ["-f", str(script)]
    done = subprocess.run(args, env=pg_env(options), capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"pgbench failed: {done.stderr.strip()}")
    match = re.search(r"^tps = ([\d.]+)", done.stdout, re.M)
    if not match:
        raise SystemExit(f"cannot read tps from pgbench output:\n{done.stdout}")
    return float(match[1])


def checkpoint() -> None:
    # Each run then starts with the same full-page-write debt.
    try:
        sql("CHECKPOINT")
    except DatabaseError as exc:  # a role without pg_checkpoint: runs are just noisier
        log(f"no CHECKPOINT between runs: {exc}")


def single_row(tmp: Path, run_id: str) -> dict:
    context = context_json(run_id).replace("'", "''")
    scripts = {}
    for table in (ON, OFF):
        scripts[table] = tmp / f"{table}.sql"
        scripts[table].write_text(
            f"\\set id random(1, {ROWS})\n"
            f"SELECT set_config('audit.context', '{context}', true) \\; "
            f"UPDATE {table} SET qty = qty + 1 WHERE id = :id;\n"
        )
    tps: dict[str, list[float]] = {ON: [], OFF: []}
    for round_no in range(ROUNDS):
        order = (ON, OFF) if round_no % 2 == 0 else (OFF, ON)
        for table in order:
            checkpoint()
            tps[table].append(pgbench_run(scripts[table], ROUND_SECONDS))
            log(f"single-row round {round_no + 1} {table}: {tps[table][-1]:.0f} tps")
    # Medians: other work on a shared machine can spoil a round or two.
    on, off = statistics.median(tps[ON]), statistics.median(tps[OFF])
    return {
        "single_row_seconds_per_table": ROUNDS * ROUND_SECONDS,
        "single_row_tps_on": round(on, 1),
        "single_row_tps_off": round(off, 1),
        "single_row_ratio": round(on / off, 3),
        "single_row_rounds_tps": {
            "on": [round(t) for t in tps[ON]],
            "off": [round(t) for t in tps[OFF]],
        },
    }


def yardstick() -> float:
    """pgbench's own TPC-B-like load, in a schema of its own so nothing else is touched."""
    sql(f"DROP SCHEMA IF EXISTS {PGBENCH_SCHEMA} CASCADE")
    sql(f"CREATE SCHEMA {PGBENCH_SCHEMA}")
    options = f"-c search_path={PGBENCH_SCHEMA}"
    try:
        done = subprocess.run(
            [pgbench_binary(), "-i", "-s", str(TPCB_SCALE), "-q"],
            env=pg_env(options),
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise SystemExit(f"pgbench -i failed: {done.stderr.strip()}")
        checkpoint()
        return pgbench_run(None, TPCB_SECONDS, options)
    finally:
        sql(f"DROP SCHEMA IF EXISTS {PGBENCH_SCHEMA} CASCADE")


def timed_update(
    conn: psycopg.Connection, context: str, statement: str, params=()
) -> float:
    start = time.perf_counter()
    with conn.transaction():
        conn.execute("SELECT set_config('audit.context', %s, true)", [context])
        conn.execute(statement, params)
    return time.perf_counter() - start


def bulk(run_id: str) -> dict:
    context = context_json(run_id)
    seconds: dict[str, list[float]] = {ON: [], OFF: []}
    for rep in range(BULK_REPS):
        for table in (ON, OFF) if rep % 2 == 0 else (OFF, ON):
            sql(f"VACUUM {ON}, {OFF}")
            # A new connection: its first call plans for the statement at hand.
            with psycopg.connect(**conn_params(), autocommit=True) as conn:
                update = f"UPDATE {table} SET price = price + 0.01, updated_at = now()"
                seconds[table].append(timed_update(conn, context, update))
            log(f"bulk rep {rep + 1} {table}: {seconds[table][-1]:.3f} s")
    on, off = statistics.median(seconds[ON]), statistics.median(seconds[OFF])
    return {
        "bulk_rows": ROWS,
        "bulk_update_s_on": round(on, 3),
        "bulk_update_s_off": round(off, 3),
        "bulk_ratio": round(on / off, 2),
        "bulk_runs_s": {
            "on": [round(s, 3) for s in seconds[ON]],
            "off": [round(s, 3) for s in seconds[OFF]],
        },
    }


def warm_session(run_id: str) -> dict:
    """Single-row UPDATEs, then a 20k-row UPDATE, on one connection (like a pooled one)."""
    context = context_json(run_id)
    seconds: dict[str, float | None] = {}
    for table in (ON, OFF):
        with psycopg.connect(**conn_params(), autocommit=True) as conn:
            conn.execute(f"SET statement_timeout = '{WARM_TIMEOUT}'")
            update = f"UPDATE {table} SET qty = qty + 1 WHERE id = %s"
            for row_id in range(1, 11):
                timed_update(conn, context, update, [row_id])
            update = f"UPDATE {table} SET qty = qty + 1 WHERE id <= %s"
            try:
                seconds[table] = timed_update(conn, context, update, [WARM_ROWS])
            except psycopg.errors.QueryCanceled:
                seconds[table] = None
        log(f"warm session {WARM_ROWS}-row update {table}: {seconds[table]} s")
    on, off = seconds[ON], seconds[OFF]
    return {
        "warm_session_update_rows": WARM_ROWS,
        "warm_session_update_s_on": None if on is None else round(on, 3),
        "warm_session_update_s_off": None if off is None else round(off, 3),
        "warm_session_ratio": None if on is None or not off else round(on / off, 2),
        "warm_session_timed_out": on is None,
    }


def drain() -> dict:
    """Empty the inbox into the trail, batch by batch, as the drain job does; time it."""
    sql(f"VACUUM {ON}, {OFF}")
    pending = sql(
        "SELECT COALESCE(sum(cardinality(ids)), 0) FROM auditing_auditevent_inbox"
    )[0][0]
    moved = batches = 0
    with psycopg.connect(**conn_params(), autocommit=True) as conn:
        start = time.perf_counter()
        while True:
            with conn.transaction():
                batch = conn.execute(
                    "SELECT auditing_inbox_drain(%s)", [DRAIN_BATCH]
                ).fetchone()[0]
            moved, batches = moved + batch, batches + 1
            if batch < DRAIN_BATCH:
                break
        seconds = time.perf_counter() - start
    log(f"drain: {moved} rows in {seconds:.2f} s ({batches} batches)")
    return {
        "drain_inbox_event_ids_before": pending,
        "drain_events_moved": moved,
        "drain_batch_size": DRAIN_BATCH,
        "drain_s": round(seconds, 2),
        "drain_rows_per_s": round(moved / seconds) if seconds else None,
        "drain_note": "asynchronous job (auditing.inbox_drain), not paid by the writers",
    }


def audit_rows(marker: int, run_id: str) -> dict:
    # After the drain: every event is in a partition of the trail (or, if a write landed
    # meanwhile, still in the inbox; the view of its events shows them).
    rows = sql(
        "SELECT tableoid::regclass::text, count(*) FROM auditing_auditevent"
        " WHERE id > %s AND table_name = %s AND request_id = %s GROUP BY 1"
        " UNION ALL SELECT 'auditing_auditevent_inbox', count(*)"
        " FROM auditing_auditevent_inbox_events"
        " WHERE id > %s AND table_name = %s AND request_id = %s HAVING count(*) > 0"
        " ORDER BY 1",
        [marker, ON, run_id, marker, ON, run_id],
    )
    return {
        "audit_rows_written": sum(count for _, count in rows),
        "audit_rows_by_partition": dict(rows),
        "audit_request_id": run_id,
    }


def main() -> None:
    started = time.perf_counter()
    if not sql("SELECT pg_try_advisory_lock(hashtext(%s))", [LOCK])[0][0]:
        raise SystemExit("another audit_overhead run holds the lock")
    run_id = uuid.uuid4().hex
    tmp = Path(tempfile.mkdtemp(prefix="bench-audit-"))
    try:
        marker = sql("SELECT COALESCE(max(id), 0) FROM auditing_auditevent_all")[0][0]
        setup()
        result = {"bench": "audit_overhead"}
        result["capture_function_md5"] = sql(
            "SELECT md5(prosrc) FROM pg_proc WHERE proname = 'auditing_capture'"
        )[0][0]
        result["clients"] = CLIENTS
        result.update(warm_session(run_id))
        result.update(single_row(tmp, run_id))
        result["pgbench_tpcb_scale"] = TPCB_SCALE
        result["pgbench_tpcb_tps"] = round(yardstick(), 1)
        log(f"pgbench TPC-B-like: {result['pgbench_tpcb_tps']} tps")
        result.update(bulk(run_id))
        result.update(drain())
        result.update(audit_rows(marker, run_id))
        result["single_row_target_met"] = (
            result["single_row_ratio"] >= SINGLE_ROW_TARGET
        )
        result["bulk_target_met"] = result["bulk_ratio"] <= BULK_TARGET
        result["targets"] = {
            "single_row_ratio_min": SINGLE_ROW_TARGET,
            "bulk_ratio_max": BULK_TARGET,
        }
        result["elapsed_s"] = round(time.perf_counter() - started, 1)
    finally:
        drop_all()
        shutil.rmtree(tmp, ignore_errors=True)
        sql("SELECT pg_advisory_unlock(hashtext(%s))", [LOCK])
    print(json.dumps(result))


if __name__ == "__main__":
    main()
