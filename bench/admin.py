"""Admin changelists on a big shop: products, variants, stock, users and orders (and reviews,
low-stock alerts).

    DJANGO_SETTINGS_MODULE=config.settings.dev .venv/bin/python bench/admin.py \
        [--database-url postgres://shop@127.0.0.1:25432/shop_scale_copy] [--products 100000] \
        [--users 100000] [--orders 200000] [--requests 30]

Seeds the demo catalog first when the database holds fewer than --products products
(`manage.py seed_demo`), like bench/storefront.py. Then tops the people up to --users and the
orders up to --orders, set-based (INSERT ... SELECT generate_series): users as plain
customers; orders copied from the demo orders (their totals, addresses, shipping method),
each placed as `pending` and then moved on to `cancelled` by an UPDATE, as the order state
machine's triggers require (no trigger is switched off; each order writes its status history
and its audit capture, so the first top-up takes minutes: 12.5 on a loaded 2-core machine).
Unapplied migrations are applied first. The rows it adds stay (a second run finds them there
and adds nothing).

Each page is requested through the real admin in this process (Django's test client, a
superuser signed in with a confirmed authenticator, the whole middleware stack, DEBUG off,
templates not instrumented as in tests): a few
warm-up requests, then --requests timed ones; the figure is the server's time for the whole
response (queries, template). A trivial admin page (the password-change form) is timed in the
same run as the baseline. The searches look for "linen" (about 3% of the demo catalog), or
on a catalog without it for the first word of a product's name. Prints ONE JSON line on stdout (`<page>_p50_ms`, `<page>_p95_ms`,
targets, checks), progress on stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common.manage import ensure_migrated, seed_catalog  # noqa: E402 - after the path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

WARMUP = 3
STAFF_EMAIL = "bench-admin@example.com"
USER_EMAIL = "bench-user-{n}@example.com"
# The five the target is about, then the others made fast alongside them.
TARGET_PAGES = ("products", "variants_search", "stock", "users", "orders")
TARGET_P95_MS = 150.0


def log(message: str) -> None:
    print(f"[admin] {message}", file=sys.stderr, flush=True)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL")
        or f"postgres://shop@127.0.0.1:{os.environ.get('PG_PORT', '25432')}/shop",
    )
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--orders", type=int, default=200_000)
    parser.add_argument("--requests", type=int, default=30, help="timed per page")
    return parser.parse_args()


def sql(statement: str, params=None) -> list[tuple]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])
        return cursor.fetchall() if cursor.description else []


def count(table: str) -> int:
    return sql(f"SELECT count(*) FROM {table}")[0][0]


def top_up_users(target: int) -> int:
    """Customers `bench-user-<n>@example.com` until the table holds `target` people."""
    missing = target - count("accounts_user")
    if missing <= 0:
        return 0
    start = sql(
        "SELECT COALESCE(max(substring(email FROM '^bench-user-([0-9]+)@')::bigint), 0)"
        " FROM accounts_user WHERE email LIKE 'bench-user-%%'"
    )[0][0]
    log(f"adding {missing} users")
    sql(
        """
        INSERT INTO accounts_user (password, is_superuser, email, full_name, phone,
            is_staff, is_active, date_joined, email_verified_at, preferences)
        SELECT '!', false, 'bench-user-' || g || '@example.com',
               'Bench Customer ' || g, '+4930' || lpad(g::text, 8, '0'),
               false, true, now() - (g %% 900) * interval '1 day',
               CASE WHEN g %% 3 > 0 THEN now() - (g %% 900) * interval '1 day' END, '{}'
        FROM generate_series(%s + 1, %s + %s) AS g
        """,
        [start, start, missing],
    )
    sql("ANALYZE accounts_user")
    return missing


def top_up_orders(target: int) -> int:
    """Copies of the demo orders until the table holds `target` orders.

    Placed as `pending` (the only state an order may start in), then cancelled by one
    UPDATE, a transition the state machine allows; both write their status history.
    """
    missing = target - count("orders_order")
    if missing <= 0:
        return 0
    templates = count("orders_order")
    if not templates:
        raise SystemExit("no orders to copy: seed the demo data first")
    log(f"adding {missing} orders (copies of {templates} demo orders)")
    sql(
        """
        WITH template AS (
            SELECT row_number() OVER (ORDER BY id) - 1 AS i, * FROM orders_order
            WHERE idempotency_key NOT LIKE 'bench-%%'
        ), numbering AS (
            SELECT COALESCE(max(substring(number FROM 4)::bigint), 100000) AS top
            FROM orders_order WHERE number ~ '^SO-[0-9]+$'
        ), people AS (
            SELECT array_agg(id ORDER BY id) AS ids FROM accounts_user
            WHERE email LIKE 'bench-user-%%'
        )
        INSERT INTO orders_order (number, email, status, currency, subtotal, discount, tax,
            shipping, total, shipping_method_name, shipping_address, billing_address,
            item_count, idempotency_key, placed_at, expires_at, customer_id,
            shipping_method_id)
        SELECT 'SO-' || (numbering.top + g), u.email, 'pending', t.currency, t.subtotal,
               t.discount, t.tax, t.shipping, t.total, t.shipping_method_name,
               t.shipping_address, t.billing_address, t.item_count,
               'bench-' || md5((numbering.top + g)::text),
               now() - (g %% 525600) * interval '1 minute',
               now() - (g %% 525600) * interval '1 minute' + interval '30 minutes',
               u.id, t.shipping_method_id
        FROM generate_series(1, %s) AS g
        CROSS JOIN numbering
        CROSS JOIN people
        JOIN template t ON t.i = g %% (SELECT count(*) FROM template)
        JOIN accounts_user u ON u.id = people.ids[1 + g %% cardinality(people.ids)]
        """,
        [missing],
    )
    sql(
        "UPDATE orders_order SET status = 'cancelled', closed_at = expires_at"
        " WHERE status = 'pending' AND idempotency_key LIKE 'bench-%%'"
    )
    sql("ANALYZE orders_order")
    return missing


def staff_client():
    """A test client signed in as a superuser who passed the second factor."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

    from apps.accounts import services
    from apps.accounts.models import User

    staff = User.objects.filter(email=STAFF_EMAIL).first()
    if staff is None:
        staff = User.objects.create_superuser(
            email=STAFF_EMAIL, password="bench-admin-password-1"
        )
    device = TOTPDevice.objects.filter(user=staff, confirmed=True).first()
    if device is None:  # enrolled as staff do it: a secret and the code an app shows
        key = default_key()
        probe = TOTPDevice(key=key)
        code = TOTP(probe.bin_key, probe.step, probe.t0, probe.digits, 0).token()
        device = services.second_factor_enrol(user=staff, key=key, token=f"{code:06d}")
    client = Client()
    client.force_login(staff)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def measure(client, url: str, must_contain: bytes, requests: int) -> dict:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    samples = []
    queries = 0
    for i in range(WARMUP + requests):
        reset_queries()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200 or must_contain not in response.content:
            raise SystemExit(
                f"GET {url}: status {response.status_code}, "
                f"{must_contain!r} not in the page"
            )
        if i >= WARMUP:
            samples.append(elapsed)
            queries = len(captured)
    return {
        "p50_ms": round(statistics.median(samples), 1),
        "p95_ms": round(percentile(samples, 95), 1),
        "queries": queries,
    }


def pages() -> dict[str, tuple[str, bytes]]:
    """Each page: its URL and a piece of its HTML that shows it listed rows."""
    from django.urls import reverse

    def changelist(model: str, query: dict | None = None) -> str:
        url = reverse(f"admin:{model}_changelist")
        return url + ("?" + urllib.parse.urlencode(query) if query else "")

    brands = sql(
        "SELECT brand FROM catalog_product WHERE brand <> '' GROUP BY brand"
        " ORDER BY count(*) DESC LIMIT 1"
    )
    person = sql(
        "SELECT email FROM accounts_user WHERE email LIKE 'bench-user-%%'"
        " ORDER BY id DESC LIMIT 1"
    )
    person = person[0][0] if person else "ada@example.com"
    # "linen" in the demo catalog (about 3% of products); else a word some product has
    word = sql(
        "SELECT COALESCE((SELECT 'linen' FROM catalog_product WHERE name ILIKE '%%linen%%'"
        " LIMIT 1), (SELECT lower(split_part(name, ' ', 1)) FROM catalog_product"
        " ORDER BY id LIMIT 1), 'linen')"
    )[0][0]
    rows = b'id="result_list"'
    drawn = b'id="changelist"'
    listed = {
        "baseline": (reverse("admin:password_change"), b"id_old_password"),
        "products": (changelist("catalog_product"), rows),
        "products_search": (changelist("catalog_product", {"q": word}), rows),
        "variants": (changelist("catalog_productvariant"), rows),
        "variants_search": (changelist("catalog_productvariant", {"q": word}), rows),
        "stock": (changelist("inventory_stock"), rows),
        "stock_search": (changelist("inventory_stock", {"q": word}), rows),
        "movements": (changelist("inventory_stockmovement"), rows),
        "users": (changelist("accounts_user"), rows),
        "users_search": (changelist("accounts_user", {"q": person}), rows),
        "orders": (changelist("orders_order"), rows),
        # A small shop may have no reviews or alerts: the list is drawn, maybe empty.
        "reviews": (changelist("catalog_review"), drawn),
        "reviews_search": (changelist("catalog_review", {"q": word}), drawn),
        "low_stock": (changelist("inventory_lowstockalert"), drawn),
    }
    if brands:  # the most common brand (a small shop may have none)
        listed["products_brand"] = (
            changelist("catalog_product", {"brand": brands[0][0]}),
            rows,
        )
    return listed


def main() -> None:
    args = parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    database = urllib.parse.urlparse(args.database_url).path.lstrip("/")
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "CACHE_KEY_PREFIX": f"bench-admin-{database}",
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
    }
    os.environ["CACHE_KEY_PREFIX"] = env["CACHE_KEY_PREFIX"]
    # Pages as production serves them: no query log, no debug templates (and no test
    # instrumentation of the templates, which copies every context rendered).
    os.environ["DJANGO_DEBUG"] = "false"

    import django

    django.setup()
    from django.db import connections

    ensure_migrated(env, log)
    result: dict = {"bench": "admin", "database": database}
    products = sql("SELECT count(*) FROM catalog_product WHERE deleted_at IS NULL")[0][
        0
    ]
    result["seeded_catalog"] = products < args.products
    if result["seeded_catalog"]:
        connections.close_all()
        seed_catalog(env, args.products, log)
    started = time.perf_counter()
    result["users_added"] = top_up_users(args.users)
    result["orders_added"] = top_up_orders(args.orders)
    result["top_up_s"] = round(time.perf_counter() - started, 1)
    for table in (
        "catalog_product",
        "catalog_productvariant",
        "inventory_stock",
        "inventory_stockmovement",
        "accounts_user",
        "orders_order",
    ):
        result[f"{table.split('_', 1)[1]}_rows"] = count(table)

    client = staff_client()
    for name, (url, must_contain) in pages().items():
        log(f"{name}: {url}")
        figures = measure(client, url, must_contain, args.requests)
        log(f"{name}: {figures}")
        result[f"{name}_p50_ms"] = figures["p50_ms"]
        result[f"{name}_p95_ms"] = figures["p95_ms"]
        result[f"{name}_queries"] = figures["queries"]

    baseline = result["baseline_p95_ms"]
    result["targets"] = {f"{page}_p95_ms_max": TARGET_P95_MS for page in TARGET_PAGES}
    result["checks"] = {
        f"{page}_p95_ms": result[f"{page}_p95_ms"] <= TARGET_P95_MS
        for page in TARGET_PAGES
    }
    result["target_met"] = all(result["checks"].values())
    result["worst_vs_baseline"] = round(
        max(result[f"{page}_p95_ms"] for page in TARGET_PAGES) / baseline, 1
    )
    result["settings"] = {"requests": args.requests, "warmup": WARMUP}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
