"""Checkout throughput: 8 customers placing 3-line orders through `order_place`, next to pgbench.

    DATABASE_CONNECT_AS=owner DJANGO_SETTINGS_MODULE=config.settings.dev .venv/bin/python bench/checkout.py

Side by side in one run (one JSON line on stdout, progress on stderr):
  * pgbench's TPC-B-like load with 8 clients (the yardstick), in a schema of its own;
  * 8 worker processes placing 3-line orders for DURATION seconds through `order_place` (real
    reservations, audit capture, outbox), each order with its own key and guest email:
    orders/s, p50/p95 latency, and the ratio to TPC-B tps;
  * the same with the audit triggers of the tables checkout writes switched off (as the
    owner, restored at the end and at the start of every run);
  * queries per order for 1 and for 10 lines (the same by design), and an oversell check;
  * the same customers placing AND paying (authorization through the dummy gateway, which
    moves the order to paid): paid orders/s, its ratio to TPC-B, queries per paid order.
Its catalog lives under the sku prefix `bench-`; orders it places are tagged by their email
domain `bench.invalid` (orders are never deleted, by design).
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench.audit_overhead import yardstick  # noqa: E402
from bench.inventory import setup_catalog  # noqa: E402

WORKERS = 8
DURATION = 10.0
VARIANTS = 300
LINES = 3
# The tables one checkout writes that carry audit triggers.
AUDITED = (
    "orders_order",
    "orders_orderline",
    "inventory_reservation",
    "inventory_stock",
)


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def audit_triggers(enabled: bool) -> None:
    """Switch the audit capture of the checkout's tables on or off (owner only)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " WHERE c.relname = ANY(%s) AND t.tgname LIKE 'pgtrigger_audit_%%'",
            [list(AUDITED)],
        )
        for table, trigger in cursor.fetchall():
            action = "ENABLE" if enabled else "DISABLE"
            cursor.execute(f'ALTER TABLE "{table}" {action} TRIGGER "{trigger}"')


def method_id() -> int:
    from apps.orders.models import ShippingMethod

    method, _ = ShippingMethod.objects.get_or_create(
        name="Bench post", defaults={"price": Decimal("4.90"), "is_active": False}
    )
    if not method.is_active:
        ShippingMethod.objects.filter(pk=method.pk).update(is_active=True)
    return method.pk


def request_for(variant_ids, rng, lines: int, method: int):
    from apps.orders.services import CheckoutRequest

    address = {"full_name": "Bench", "line1": "1 Loop", "city": "X", "country": "DE"}
    return CheckoutRequest(
        # 5 units of each (the bench catalog sells at 1.00): every order passes the rules.
        items={v: 5 for v in rng.sample(variant_ids, lines)},
        email=f"{uuid.uuid4().hex[:12]}@bench.invalid",
        shipping_address=address,
        billing_address=address,
        shipping_method_id=method,
    )


def place_and_maybe_pay(request, pay: bool) -> None:
    from apps.orders.services import order_place

    order = order_place(idempotency_key=uuid.uuid4().hex, request=request, actor=None)
    if pay:
        from apps.payments.services import payment_authorize

        payment_authorize(
            order=order,
            actor=None,
            idempotency_key=uuid.uuid4().hex,
            token="tok_approve",
        )


def worker(args):
    variant_ids, method, seed, pay = args
    import random

    django.setup()
    from apps.auditing.errors import ShopError

    rng = random.Random(seed)
    latencies, refused = [], 0
    deadline = time.perf_counter() + DURATION
    while time.perf_counter() < deadline:
        request = request_for(variant_ids, rng, LINES, method)
        start = time.perf_counter()
        try:
            place_and_maybe_pay(request, pay)
        except ShopError:
            refused += 1
            continue
        latencies.append(time.perf_counter() - start)
    connection.close()
    return latencies, refused


def run_workers(variant_ids, method, pay: bool = False) -> dict:
    from django.db import connections

    connections.close_all()
    connection.close_pool()  # children must not share the parent's pooled sockets
    start = time.perf_counter()
    with mp.get_context("fork").Pool(WORKERS) as pool:
        results = pool.map(
            worker, [(variant_ids, method, n, pay) for n in range(WORKERS)]
        )
    elapsed = time.perf_counter() - start
    latencies = sorted(x for r in results for x in r[0])
    return {
        "orders": len(latencies),
        "refused": sum(r[1] for r in results),
        "orders_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(latencies[len(latencies) // 2] * 1000, 1),
        "p95_ms": round(latencies[int(len(latencies) * 0.95)] * 1000, 1),
    }


def queries_per_order(variant_ids, method, lines: int, pay: bool = False) -> int:
    import random

    request = request_for(variant_ids, random.Random(lines), lines, method)
    with CaptureQueriesContext(connection) as queries:
        place_and_maybe_pay(request, pay)
    return len(queries)


def oversold() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM inventory_stock WHERE reserved > on_hand OR on_hand < 0"
        )
        return cursor.fetchone()[0]


def main():
    audit_triggers(True)  # a run stopped half-way left them off: put them back
    tag = str(int(time.time()))
    log("setting up the catalog ...")
    variant_ids = setup_catalog(f"{tag}c", VARIANTS, 1_000_000)
    method = method_id()
    log("pgbench TPC-B-like ...")
    tpcb = yardstick()
    log("queries per order ...")
    q1 = queries_per_order(variant_ids, method, 1)
    q10 = queries_per_order(variant_ids, method, 10)
    qp1 = queries_per_order(variant_ids, method, 1, pay=True)
    qp10 = queries_per_order(variant_ids, method, 10, pay=True)
    log("checkout and pay ...")
    paid = run_workers(variant_ids, method, pay=True)
    log("checkout with audit capture ...")
    on = run_workers(variant_ids, method)
    log("checkout without audit capture ...")
    audit_triggers(False)
    try:
        off = run_workers(variant_ids, method)
    finally:
        connection.close()
        audit_triggers(True)
    result = {
        "bench": "checkout",
        "workers": WORKERS,
        "seconds": DURATION,
        "lines_per_order": LINES,
        "orders_per_s": on["orders_per_s"],
        "p50_ms": on["p50_ms"],
        "p95_ms": on["p95_ms"],
        "orders": on["orders"],
        "refused": on["refused"],
        "tpcb_tps": round(tpcb, 1),
        "ratio_to_tpcb": round(on["orders_per_s"] / tpcb, 3),
        "orders_per_s_audit_off": off["orders_per_s"],
        "audit_on_vs_off": round(on["orders_per_s"] / off["orders_per_s"], 3),
        "queries_per_order_1_line": q1,
        "queries_per_order_10_lines": q10,
        "paid_orders_per_s": paid["orders_per_s"],
        "paid_p50_ms": paid["p50_ms"],
        "paid_p95_ms": paid["p95_ms"],
        "paid_ratio_to_tpcb": round(paid["orders_per_s"] / tpcb, 3),
        "queries_per_paid_order_1_line": qp1,
        "queries_per_paid_order_10_lines": qp10,
        "oversold": oversold(),
        "targets": {
            "ratio_to_tpcb_min": 0.10,
            "paid_ratio_to_tpcb_min": 0.08,
            "audit_on_vs_off_min": 0.85,
        },
    }
    result["targets_met"] = (
        result["ratio_to_tpcb"] >= 0.10
        and result["audit_on_vs_off"] >= 0.85
        and q1 == q10
        and result["oversold"] == 0
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
