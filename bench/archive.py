"""How fast an old audit partition is archived, and how small the archive is.

    DJANGO_SETTINGS_MODULE=config.settings.dev .venv/bin/python bench/archive.py

Fills an old month's partition with 1M realistic audit events, then times the whole
`partition_archive` job (detach, COPY through gzip, manifest, verify, drop) and an
`archive_restore` of the result into a scratch table. Prints one JSON line on stdout,
progress on stderr. Archives go to a temporary ARCHIVE_ROOT; everything is dropped at the end.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import override_settings  # noqa: E402

from apps.auditing.archive import archive_restore, partition_archive  # noqa: E402

MONTH = dt.date(2019, 1, 1)  # years before the project: no real event can fall in it
TABLE = f"auditing_auditevent_y{MONTH:%Y}m{MONTH:%m}"
RESTORED = "bench_archive_restored"
ROWS = 1_000_000
# Every generated row carries this db_role: how a leftover of an earlier run is recognised.
MARK = "bench_archive"
# The archive job's advisory lock (apps/auditing/jobs.py): a scheduled run skips meanwhile.
LOCK = "job:auditing.partitions_archive"
RATE_TARGET, SIZE_TARGET = 100_000, 0.30

# Events as the trigger writes them: changed columns of updates, full rows of inserts and
# deletes, soft deletes and restores; web, admin, task, command and raw SQL sources.
FILL = """
INSERT INTO auditing_auditevent
    (occurred_at, txid, table_name, row_pk, action, changes, actor_id, actor_kind, source,
     request_id, ip, db_role, context)
SELECT occurred_at, 41000000 + g / 3, tbl, row_pk::text, action,
       CASE
           WHEN action IN ('insert', 'delete') THEN full_row
           WHEN action = 'soft_delete'
               THEN jsonb_build_object('deleted_at', jsonb_build_array(NULL, occurred_at))
           WHEN action = 'restore' THEN jsonb_build_object(
               'deleted_at', jsonb_build_array(occurred_at - interval '3 days', NULL))
           WHEN r_change < 0.35 THEN jsonb_build_object(
               'price', jsonb_build_array(price, round(price * (0.8 + r_change)::numeric, 2)))
           WHEN r_change < 0.55 THEN jsonb_build_object(
               'status', jsonb_build_array('pending', status),
               'updated_at', jsonb_build_array(occurred_at - interval '2 hours', occurred_at))
           WHEN r_change < 0.80 THEN jsonb_build_object(
               'qty', jsonb_build_array(qty + 3, qty),
               'updated_at', jsonb_build_array(occurred_at - interval '1 day', occurred_at))
           WHEN r_change < 0.90
               THEN jsonb_build_object('name', jsonb_build_array(name, name || ' (new)'))
           ELSE jsonb_build_object(
               'password', '["[withheld]", "[withheld]"]'::jsonb,
               'last_login', jsonb_build_array(occurred_at - interval '9 days', occurred_at))
       END,
       CASE WHEN source = 'admin' THEN 1 + actor % 40
            WHEN source = 'web' AND NOT anonymous THEN 41 + actor END,
       CASE WHEN source = 'admin' THEN 'staff' WHEN source <> 'web' THEN 'system'
            WHEN anonymous THEN 'anonymous' ELSE 'customer' END,
       source,
       CASE WHEN source IN ('web', 'admin', 'task') THEN md5(g || 'request') END,
       CASE WHEN source IN ('web', 'admin') THEN (
           (1 + actor % 223) || '.' || (actor * 7 % 256) || '.' || (g % 256) || '.'
           || (1 + actor % 254))::inet END,
       '{mark}',
       CASE source
           WHEN 'web' THEN jsonb_build_object(
               'path', '/' || split_part(tbl, '_', 1) || '/' || row_pk || '/')
           WHEN 'admin' THEN jsonb_build_object(
               'path', '/admin/' || replace(tbl, '_', '/') || '/' || row_pk || '/change/')
           WHEN 'task' THEN jsonb_build_object(
               'task', tbl || '.sync', 'task_id', md5(g || 'task')::uuid)
           WHEN 'command' THEN jsonb_build_object('command', 'import_prices')
       END
FROM (
    SELECT g, occurred_at, tbl, row_pk, action, source, r_change, actor, anonymous,
           round((1 + row_pk % 20000 / 100.0)::numeric, 2) AS price,
           (row_pk % 97)::int AS qty,
           'Product ' || row_pk AS name,
           (ARRAY['paid', 'shipped', 'cancelled', 'refunded'])[1 + row_pk % 4] AS status,
           jsonb_build_object(
               'id', row_pk,
               'sku', 'SKU-' || lpad(row_pk::text, 7, '0'),
               'name', 'Product ' || row_pk,
               'price', round((1 + row_pk % 20000 / 100.0)::numeric, 2),
               'qty', row_pk % 97,
               'status', (ARRAY['draft', 'active', 'archived'])[1 + row_pk % 3],
               'created_at', occurred_at - (row_pk % 1000) * interval '1 hour',
               'updated_at', occurred_at,
               'deleted_at', NULL,
               'attrs', jsonb_build_object(
                   'colour', (ARRAY['red', 'green', 'blue', 'black', 'white'])[1 + row_pk % 5],
                   'size', (ARRAY['XS', 'S', 'M', 'L', 'XL'])[1 + row_pk / 5 % 5])
           ) AS full_row
    FROM (
        SELECT g,
               timestamptz '{lo}' + (g - 1 + random()) / {rows}
                   * (timestamptz '{hi}' - timestamptz '{lo}') AS occurred_at,
               (ARRAY['catalog_product', 'orders_order', 'orders_orderline', 'inventory_stock',
                      'accounts_user', 'payments_payment'])[1 + floor(random() * 6)::int] AS tbl,
               1 + floor(random() * random() * 400000)::bigint AS row_pk,
               (ARRAY['insert', 'insert', 'delete', 'soft_delete', 'soft_delete', 'restore',
                      'update', 'update', 'update', 'update', 'update', 'update', 'update',
                      'update', 'update', 'update', 'update', 'update', 'update', 'update'])
                   [1 + floor(random() * 20)::int] AS action,
               (ARRAY['web', 'web', 'web', 'web', 'web', 'web', 'web', 'web', 'web', 'web',
                      'admin', 'admin', 'admin', 'task', 'task', 'task', 'task', 'task',
                      'command', 'sql'])[1 + floor(random() * 20)::int] AS source,
               random() AS r_change,
               floor(random() * 20000)::bigint AS actor,
               random() < 0.15 AS anonymous
        FROM generate_series(1, {rows}) g
    ) s
) t
"""


def log(message: str) -> None:
    print(f"[archive] {message}", file=sys.stderr, flush=True)


def sql(statement: str, params=None):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else None


def drop_leftovers() -> None:
    """Drop what an earlier, interrupted run left: only tables this benchmark fills."""
    sql(f"DROP TABLE IF EXISTS {RESTORED}")
    if sql("SELECT to_regclass(%s)", [TABLE])[0][0] is None:
        return
    foreign = sql(
        f"SELECT count(*) FROM {TABLE} WHERE db_role IS DISTINCT FROM %s", [MARK]
    )
    if foreign[0][0]:
        raise SystemExit(
            f"{TABLE} holds rows this benchmark did not write; not touching it"
        )
    log(f"dropping {TABLE} left by an earlier run")
    sql(f"DROP TABLE {TABLE}")


def fill() -> float:
    start = time.perf_counter()
    if sql("SELECT auditing_partition_ensure(%s)", [MONTH])[0][0] != TABLE:
        raise SystemExit(f"could not create {TABLE}")
    hi = (MONTH + dt.timedelta(days=31)).replace(day=1)
    sql("SELECT setseed(0.2019)")  # the same rows, hence the same sizes, on every run
    sql(FILL.format(rows=ROWS, lo=f"{MONTH} 00:00+00", hi=f"{hi} 00:00+00", mark=MARK))
    # An old partition has long been vacuumed: hint bits set, all pages visible.
    sql(f"VACUUM (ANALYZE) {TABLE}")
    return time.perf_counter() - start


def sizes() -> dict:
    total, heap, indexes = sql(
        "SELECT pg_total_relation_size(%s), pg_relation_size(%s), pg_indexes_size(%s)",
        [TABLE, TABLE, TABLE],
    )[0]
    return {
        "table_total_bytes": total,
        "table_heap_bytes": heap,
        "table_index_bytes": indexes,
    }


def main() -> None:
    started = time.perf_counter()
    if not sql("SELECT pg_try_advisory_lock(hashtext(%s))", [LOCK])[0][0]:
        raise SystemExit("the audit archive job is running; try again later")
    root = Path(tempfile.mkdtemp(prefix="bench-archive-"))
    try:
        drop_leftovers()
        log(f"filling {TABLE} with {ROWS} rows")
        fill_s = fill()
        result = {"bench": "archive", "table": TABLE, "fill_s": round(fill_s, 1)}
        result.update(sizes())
        result["gzip_level"] = settings.AUDIT_ARCHIVE_GZIP_LEVEL

        log("archiving")
        start = time.perf_counter()
        with override_settings(ARCHIVE_ROOT=root):
            manifest = partition_archive(TABLE, MONTH)
        archive_s = time.perf_counter() - start
        if sql("SELECT to_regclass(%s)", [TABLE])[0][0] is not None:
            raise SystemExit(f"{TABLE} still exists after archiving")
        result.update(
            rows=manifest.rows,
            archive_s=round(archive_s, 2),
            rows_per_s=round(manifest.rows / archive_s),
            raw_copy_bytes=manifest.raw_bytes,
            gz_bytes=manifest.bytes,
            compression_ratio=round(manifest.bytes / result["table_total_bytes"], 4),
            compression_ratio_heap=round(
                manifest.bytes / result["table_heap_bytes"], 4
            ),
            compression_ratio_raw=round(manifest.bytes / manifest.raw_bytes, 4),
        )
        log(f"archived {manifest.rows} rows in {archive_s:.2f} s")

        log("restoring")
        start = time.perf_counter()
        _, restored = archive_restore(root / f"{TABLE}.manifest.json", table=RESTORED)
        restore_s = time.perf_counter() - start
        result.update(
            restored_rows=restored,
            restore_s=round(restore_s, 2),
            restore_rows_per_s=round(restored / restore_s),
        )
        result.update(
            rows_per_s_target_met=result["rows_per_s"] >= RATE_TARGET,
            compression_target_met=result["compression_ratio"] <= SIZE_TARGET,
            targets={
                "rows_per_s_min": RATE_TARGET,
                "compression_ratio_max": SIZE_TARGET,
            },
            elapsed_s=round(time.perf_counter() - started, 1),
        )
    finally:
        drop_leftovers()
        shutil.rmtree(root, ignore_errors=True)
        sql("SELECT pg_advisory_unlock(hashtext(%s))", [LOCK])
    print(json.dumps(result))


if __name__ == "__main__":
    main()
