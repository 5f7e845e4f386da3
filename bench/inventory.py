"""Reservations under contention, and the expiry job, against PostgreSQL yardsticks.

    DJANGO_SETTINGS_MODULE=config.settings.dev .venv/bin/python bench/inventory.py

Side by side in one run (prints one JSON line on stdout, progress on stderr):
  * reservations/s from 8 worker processes calling `stock_reserve` for 1 unit, all on ONE hot
    variant, then spread over 1,000 variants; next to pgbench (8 clients) running a
    conditional UPDATE on one hot row;
  * a race for limited stock (8 workers, 400 units, many more buyers): zero oversell;
  * `reservations_expire` on 100k expired reservations (rows/s) next to a plain batched SQL
    UPDATE of the same rows (whose trigger gives the units back, as for the job).
Everything it creates lives under warehouse/sku prefixes `bench-` and is removed at the end
(reservations and movements are append-only by design, so those rows stay, tagged `bench`).
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402

WORKERS = 8
DURATION = 10.0
SPREAD = 1000
EXPIRE_ROWS = 100_000
PGBENCH = "/usr/lib/postgresql/15/bin/pgbench"


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def setup_catalog(tag: str, variants: int, on_hand: int) -> list[int]:
    """Variants with stock in one warehouse, created in bulk (rules and triggers stay on)."""
    from decimal import Decimal

    from apps.catalog import services as catalog
    from apps.catalog.models import Price, ProductType, ProductVariant
    from apps.inventory.models import Stock, StockMovement, Warehouse

    root = catalog.category_create(name=f"Bench {tag}")
    product_type, _ = ProductType.objects.get_or_create(name="Bench")
    product = catalog.product_create(
        product_type=product_type, category=root, name=f"Bench {tag}", status="active"
    )
    created = ProductVariant.objects.bulk_create(
        [
            ProductVariant(product=product, sku=f"bench-{tag}-{n}", name=str(n))
            for n in range(variants)
        ]
    )
    Price.objects.bulk_create(
        [Price(variant=v, amount=Decimal("1.00")) for v in created]
    )
    warehouse, _ = Warehouse.objects.get_or_create(
        code=f"bench-{tag}"[:20], defaults={"name": "Bench", "priority": 1}
    )
    stocks = Stock.objects.bulk_create(
        [Stock(variant=v, warehouse=warehouse) for v in created]
    )
    StockMovement.objects.bulk_create(
        [
            StockMovement(
                stock=s, kind="receipt", quantity=on_hand, reference_type="bench"
            )
            for s in stocks
        ]
    )
    return [v.pk for v in created]


def worker(args):
    variant_ids, duration, seed, stop_when_out = args
    import random

    django.setup()
    from apps.inventory.errors import OutOfStock
    from apps.inventory.services import Line, stock_reserve

    rng = random.Random(seed)
    ok = out = 0
    deadline = time.perf_counter() + duration
    while time.perf_counter() < deadline:
        variant_id = variant_ids[rng.randrange(len(variant_ids))]
        try:
            stock_reserve(
                lines=[Line(variant_id, 1)], owner_type="bench", owner_id=str(seed)
            )
            ok += 1
        except OutOfStock:
            out += 1
            if stop_when_out:
                break
    connection.close()
    return ok, out


def run_workers(variant_ids, duration, stop_when_out=False):
    from django.db import connections

    connections.close_all()
    connection.close_pool()  # children must not share the parent's pooled sockets
    ctx = mp.get_context("fork")
    start = time.perf_counter()
    with ctx.Pool(WORKERS) as pool:
        results = pool.map(
            worker, [(variant_ids, duration, n, stop_when_out) for n in range(WORKERS)]
        )
    elapsed = time.perf_counter() - start
    ok = sum(r[0] for r in results)
    return ok, sum(r[1] for r in results), elapsed


def pgbench_hot_row() -> float:
    """pgbench with 8 clients: a conditional UPDATE on one hot row (the yardstick)."""
    db = settings.DATABASES["default"]
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_hot_row")
        cursor.execute(
            "CREATE TABLE bench_hot_row (id int PRIMARY KEY, on_hand int NOT NULL, reserved int NOT NULL)"
        )
        cursor.execute("INSERT INTO bench_hot_row VALUES (1, 1000000000, 0)")
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as script:
        script.write(
            "UPDATE bench_hot_row SET reserved = reserved + 1 WHERE id = 1 AND on_hand - reserved >= 1;\n"
        )
    env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    out = subprocess.run(
        [
            PGBENCH,
            "-n",
            "-f",
            script.name,
            "-c",
            str(WORKERS),
            "-j",
            "2",
            "-T",
            str(int(DURATION)),
            "-h",
            db["HOST"],
            "-p",
            str(db["PORT"]),
            "-U",
            db["USER"],
            db["NAME"],
        ],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout
    os.unlink(script.name)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_hot_row")
    return float(re.search(r"tps = ([0-9.]+)", out).group(1))


def expiry_comparison(variant_id: int) -> dict:
    """100k expired reservations: the job's rate next to a plain batched SQL UPDATE."""
    from apps.inventory.models import Stock
    from apps.inventory.services import reservations_expire

    stock = Stock.objects.get(variant_id=variant_id)

    def fill():
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO inventory_reservation (stock_id, variant_id, quantity, owner_type, owner_id, status,"
                " expires_at, created_at) SELECT %s, %s, 1, 'bench', g::text, 'active', now() - interval '1 minute', now()"
                " FROM generate_series(1, %s) g",
                [stock.pk, variant_id, EXPIRE_ROWS],
            )  # the insert's trigger raises reserved by EXPIRE_ROWS

    fill()
    start = time.perf_counter()
    expired = 0
    while n := reservations_expire(batch_size=settings.JOB_BATCH_SIZE):
        expired += n
    job_s = time.perf_counter() - start
    fill()
    start = time.perf_counter()
    plain = 0
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                "WITH due AS (SELECT id FROM inventory_reservation WHERE status = 'active' AND owner_type = 'bench'"
                " AND expires_at <= now() ORDER BY expires_at, id LIMIT %s FOR UPDATE SKIP LOCKED)"
                " UPDATE inventory_reservation r SET status = 'expired', closed_at = now() FROM due WHERE r.id = due.id",
                [settings.JOB_BATCH_SIZE],
            )
            if cursor.rowcount == 0:
                break
            plain += cursor.rowcount  # each UPDATE's trigger gives its units back
    plain_s = time.perf_counter() - start
    return {
        "expired": expired,
        "job_s": round(job_s, 2),
        "job_rows_per_s": round(expired / job_s),
        "plain_rows": plain,
        "plain_s": round(plain_s, 2),
        "plain_rows_per_s": round(plain / plain_s),
    }


def oversell_check() -> dict:
    from apps.inventory import selectors

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM inventory_stock WHERE reserved > on_hand OR on_hand < 0"
        )
        broken = cursor.fetchone()[0]
    return {
        "rows_over_reserved": broken,
        "ledger_mismatches": len(selectors.ledger_mismatches()),
        "reserved_mismatches": len(selectors.reserved_mismatches()),
    }


def main():
    tag = str(int(time.time()))
    log("setting up variants ...")
    hot = setup_catalog(f"{tag}h", 1, 10_000_000)
    spread = setup_catalog(f"{tag}s", SPREAD, 1_000_000)
    scarce = setup_catalog(f"{tag}x", 1, 400)
    expiring = setup_catalog(f"{tag}e", 1, 2 * EXPIRE_ROWS)
    log("pgbench hot row ...")
    pgbench_tps = pgbench_hot_row()
    log("hot variant ...")
    hot_ok, _, hot_s = run_workers(hot, DURATION)
    log("spread over 1,000 variants ...")
    spread_ok, _, spread_s = run_workers(spread, DURATION)
    log("race for 400 units ...")
    race_ok, race_out, _ = run_workers(scarce, DURATION, stop_when_out=True)
    log("expiry ...")
    expiry = expiry_comparison(expiring[0])
    checks = oversell_check()
    hot_rps, spread_rps = hot_ok / hot_s, spread_ok / spread_s
    result = {
        "bench": "inventory",
        "workers": WORKERS,
        "seconds_per_phase": DURATION,
        "hot_reservations_per_s": round(hot_rps, 1),
        "spread_reservations_per_s": round(spread_rps, 1),
        "hot_vs_spread": round(hot_rps / spread_rps, 3),
        "pgbench_hot_row_conditional_update_tps": pgbench_tps,
        "hot_vs_pgbench": round(hot_rps / pgbench_tps, 3),
        "race_units": 400,
        "race_reserved": race_ok,
        "race_refused": race_out,
        "oversold": race_ok > 400 or checks["rows_over_reserved"] > 0,
        **{f"expiry_{k}": v for k, v in expiry.items()},
        "expiry_vs_plain": round(
            expiry["job_rows_per_s"] / expiry["plain_rows_per_s"], 3
        ),
        **checks,
        "targets": {
            "hot_vs_spread_min": 0.8,
            "expiry_vs_plain_min": 0.5,
            "oversell": 0,
        },
    }
    result["hot_target_met"] = result["hot_vs_spread"] >= 0.8
    result["expiry_target_met"] = result["expiry_vs_plain"] >= 0.5
    result["zero_oversell"] = not result["oversold"] and race_ok == 400
    print(json.dumps(result))


if __name__ == "__main__":
    main()
