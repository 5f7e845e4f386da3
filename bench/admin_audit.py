"""The audit trail's reads at realistic size: the admin changelist and the selectors.

    DJANGO_SETTINGS_MODULE=config.settings.dev .venv/bin/python bench/admin_audit.py

In a scratch database of its own (created, migrated, dropped): 3M events in the trail over
the last three months, and 200k row changes waiting in the inbox (200k one-row UPDATEs of an
audited table, each its own statement, as saves from the shop make them). Then, through the
real admin (Django's test client, a signed-in superuser, the whole middleware stack), the
server time of the audit changelist: the first page, one table's events (a busy table and a
rare one whose events are all old), one row's history (a row id searched within a table),
a person's trail (searched by email). And the selectors: one row's history and the newest
100 events from the trail (what the admin and everyday reads use), and the same two from
the view that adds the waiting events (what only a complete export uses), side by side.

Prints one JSON line on stdout, progress on stderr. Targets: changelist p95 <= 150 ms,
trail reads <= 5 ms, with 200k events pending.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

TRAIL_EVENTS = int(os.environ.get("BENCH_TRAIL_EVENTS", 3_000_000))
PENDING_EVENTS = int(os.environ.get("BENCH_PENDING_EVENTS", 200_000))
REQUESTS, WARMUP, WITH_PENDING_REPEAT = 40, 3, 5
CHANGELIST_TARGET_MS, READ_TARGET_MS = 150, 5
SCRATCH = "shop_bench_admin_audit"
BUSY, RARE = "catalog_productvariant", "accounts_role"
PERSON_EMAIL = "bench-person@example.com"


def log(message: str) -> None:
    print(f"[admin_audit] {message}", file=sys.stderr, flush=True)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def figures(samples: list[float]) -> dict:
    return {
        "p50_ms": round(statistics.median(samples), 1),
        "p95_ms": round(percentile(samples, 95), 1),
        "max_ms": round(max(samples), 1),
    }


# --- parent: a scratch database around the measuring child ----------------------------


def parent() -> None:
    import django

    django.setup()
    from django.conf import settings

    db = settings.DATABASES["default"]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    server = f"postgres://{auth}@{db['HOST']}:{db['PORT']}"
    admin_url = f"{server}/postgres"

    def on_server(statement: str) -> None:
        import psycopg

        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(statement)

    on_server(f"DROP DATABASE IF EXISTS {SCRATCH} WITH (FORCE)")
    on_server(f"CREATE DATABASE {SCRATCH}")
    try:
        env = {**os.environ, "DATABASE_URL": f"{server}/{SCRATCH}", "BENCH_CHILD": "1"}
        done = subprocess.run([sys.executable, __file__], env=env, cwd=ROOT)
        if done.returncode:
            raise SystemExit(done.returncode)
    finally:
        on_server(f"DROP DATABASE IF EXISTS {SCRATCH} WITH (FORCE)")


# --- child: migrate, seed, measure ------------------------------------------------------


def sql(statement: str, params=None):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else None


def seed_trail(person_id: int) -> None:
    """TRAIL_EVENTS events over the last three months, spread as a shop's would be."""
    tables = [
        "catalog_product",
        BUSY,
        "catalog_price",
        "inventory_stock",
        "inventory_stockmovement",
        "inventory_reservation",
        "accounts_user",
        "accounts_address",
        "catalog_category",
        "catalog_review",
    ]
    sql(
        "SELECT auditing_partition_ensure((date_trunc('month', now()) - make_interval(months => m))::date)"
        " FROM generate_series(1, 3) m"
    )
    log(f"seeding {TRAIL_EVENTS} trail events")
    start = time.perf_counter()
    step = 500_000
    for lo in range(0, TRAIL_EVENTS, step):
        hi = min(TRAIL_EVENTS, lo + step)
        sql(
            """
            INSERT INTO auditing_auditevent
                (occurred_at, table_name, row_pk, action, changes, actor_id, actor_kind,
                 source, request_id)
            SELECT now() - interval '90 days' * (1 - g::float8 / %(n)s),
                   CASE WHEN g %% 1000 = 0 THEN NULL
                        ELSE (%(tables)s::text[])[1 + (g * 7) %% 10] END,
                   CASE WHEN g %% 1000 = 0 THEN NULL ELSE ((g * 7919) %% 200000)::text END,
                   CASE WHEN g %% 1000 = 0 THEN 'login'
                        WHEN g %% 5000 = 1 THEN 'restore'
                        ELSE (ARRAY['insert', 'update', 'update', 'update', 'delete'])[1 + g %% 5] END,
                   jsonb_build_object('qty', jsonb_build_array(g %% 50, g %% 50 + 1)),
                   CASE WHEN g %% 3 = 0 THEN NULL
                        WHEN g %% 97 = 0 THEN %(person)s
                        ELSE 1 + (g * 31) %% 5000 END,
                   CASE WHEN g %% 3 = 0 THEN 'system' WHEN g %% 11 = 0 THEN 'staff'
                        ELSE 'customer' END,
                   (ARRAY['web', 'web', 'admin', 'task', 'command', 'sql'])[1 + g %% 6],
                   md5(g::text)
            FROM generate_series(%(lo)s::bigint, %(hi)s - 1) g
            """,
            {
                "n": TRAIL_EVENTS,
                "tables": tables,
                "person": person_id,
                "lo": lo,
                "hi": hi,
            },
        )
        log(f"  {hi} events")
    # A rare table: a few hundred events, all three months old (the key walk is long).
    sql(
        "INSERT INTO auditing_auditevent (occurred_at, table_name, row_pk, action, actor_kind, source)"
        " SELECT now() - interval '89 days', %s, g::text, 'update', 'staff', 'admin'"
        " FROM generate_series(1, 300) g",
        [RARE],
    )
    sql("ANALYZE auditing_auditevent")
    log(f"trail seeded in {time.perf_counter() - start:.0f} s")


def seed_pending() -> None:
    """PENDING_EVENTS one-row UPDATEs of an audited table: that many captures wait."""
    log(f"capturing {PENDING_EVENTS} one-row updates into the inbox")
    start = time.perf_counter()
    sql(
        "CREATE TABLE bench_pending (id bigint PRIMARY KEY, name text, qty int,"
        " updated_at timestamptz)"
    )
    sql(
        "INSERT INTO bench_pending SELECT g, 'Row ' || g, 0, now()"
        " FROM generate_series(1, 50000) g"
    )
    sql(
        "CREATE TRIGGER bench_pending_audit AFTER UPDATE ON bench_pending"
        " REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"
        " FOR EACH STATEMENT EXECUTE FUNCTION auditing_capture('id', '{}')"
    )
    sql(
        "DO $$ BEGIN FOR i IN 1..%s LOOP"
        " UPDATE bench_pending SET qty = qty + 1, updated_at = now() WHERE id = 1 + i %% 50000;"
        " END LOOP; END $$",
        [PENDING_EVENTS],
    )
    sql("ANALYZE auditing_auditevent_inbox")
    log(f"inbox filled in {time.perf_counter() - start:.0f} s")


def time_ms(call) -> float:
    start = time.perf_counter()
    call()
    return (time.perf_counter() - start) * 1000


def changelist(client, query: str, must_contain: bytes) -> dict:
    url = "/admin/auditing/auditevent/" + query
    samples = []
    for i in range(WARMUP + REQUESTS):
        start = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - start) * 1000
        if response.status_code != 200 or must_contain not in response.content:
            raise SystemExit(
                f"{url}: status {response.status_code}, content unexpected"
            )
        if i >= WARMUP:
            samples.append(elapsed)
    return figures(samples)


def reads(label: str, call, repeat: int = REQUESTS) -> dict:
    call()
    samples = [time_ms(call) for _ in range(repeat)]
    return {label: figures(samples)}


def child() -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    log("migrating the scratch database")
    call_command("migrate", verbosity=0)
    from apps.accounts.models import User
    from apps.auditing.models import AuditEvent, AuditEventWithPending
    from apps.auditing.selectors import audit_backlog, audit_row_history

    staff = User.objects.create_superuser(
        email="bench-admin@example.com", password="x-bench-1"
    )
    person = User.objects.create_user(email=PERSON_EMAIL, password="x-bench-2")
    seed_trail(person.pk)
    seed_pending()
    backlog = audit_backlog()
    result = {
        "bench": "admin_audit",
        "trail_events": sql(
            "SELECT sum(c.reltuples)::bigint FROM pg_class c JOIN pg_inherits i"
            " ON i.inhrelid = c.oid WHERE i.inhparent = 'auditing_auditevent'::regclass"
        )[0][0],
        "pending_events": backlog.events,
        "pending_captures": backlog.captures,
        "requests_per_figure": REQUESTS,
    }

    setup_test_environment()
    client = Client()
    client.force_login(staff)
    # A row of the busy table with events in the trail.
    row = sql(
        "SELECT row_pk FROM auditing_auditevent WHERE table_name = %s AND row_pk IS NOT NULL"
        " ORDER BY id DESC LIMIT 1",
        [BUSY],
    )[0][0]
    log("measuring the changelist")
    result["changelist"] = {
        "first_page": changelist(client, "", b"result_list"),
        "busy_table": changelist(client, f"?table_name={BUSY}", BUSY.encode()),
        "rare_table": changelist(client, f"?table_name={RARE}", RARE.encode()),
        "row_history": changelist(
            client, f"?table_name={BUSY}&q={row}", b"result_list"
        ),
        "person_by_email": changelist(client, f"?q={PERSON_EMAIL}", b"result_list"),
        "common_action": changelist(client, "?action=delete", b"result_list"),
        "rare_action": changelist(client, "?action=restore", b"result_list"),
        "application_events": changelist(client, "?action=application", b"login"),
    }
    log("measuring the selectors")
    trail_reads = {}
    trail_reads.update(
        reads(
            "row_history_ms",
            lambda: list(audit_row_history(table_name=BUSY, row_pk=row)[:100]),
        )
    )
    trail_reads.update(
        reads("newest_100_ms", lambda: list(AuditEvent.objects.all()[:100]))
    )
    with_pending = {}
    with_pending.update(
        reads(
            "row_history_ms",
            lambda: list(
                audit_row_history(table_name=BUSY, row_pk=row, include_pending=True)[
                    :100
                ]
            ),
        )
    )
    with_pending.update(
        # Seconds each (it expands every waiting capture): a few suffice.
        reads(
            "newest_100_ms",
            lambda: list(AuditEventWithPending.objects.all()[:100]),
            repeat=WITH_PENDING_REPEAT,
        )
    )
    result["trail_reads"] = trail_reads
    result["with_pending_reads"] = with_pending
    worst_changelist = max(f["p95_ms"] for f in result["changelist"].values())
    worst_read = max(f["p95_ms"] for f in trail_reads.values())
    result["changelist_worst_p95_ms"] = worst_changelist
    result["trail_reads_worst_p95_ms"] = worst_read
    result["targets"] = {
        "changelist_p95_ms": CHANGELIST_TARGET_MS,
        "trail_read_ms": READ_TARGET_MS,
    }
    result["changelist_target_met"] = worst_changelist <= CHANGELIST_TARGET_MS
    result["trail_reads_target_met"] = worst_read <= READ_TARGET_MS
    print(json.dumps(result))


if __name__ == "__main__":
    child() if os.environ.get("BENCH_CHILD") else parent()
