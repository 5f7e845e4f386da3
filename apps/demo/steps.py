"""The demo data, one step per app, in the order the apps depend on each other.

Each app's step lives in a module of its own here (apps/demo/<app>.py) and may use what the
steps before it made: catalog's reviews are written by accounts' demo customers, inventory
stocks catalog's variants. The next app (orders, then payments) adds its module and one entry
at the end of STEPS; `manage.py seed_demo` runs them in this order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.management.base import OutputWrapper

from . import accounts, catalog, inventory, orders, payments


@dataclass(frozen=True)
class Step:
    """One app's share of the demo data."""

    app: str  # label of the app whose rows it writes
    # seed(stdout, sizes) -> how many rows it created (idempotent: 0 the second time);
    # sizes: {"products": wanted, "orders": wanted}
    seed: Callable[[OutputWrapper, dict[str, int]], int]
    counts: str = (
        ""  # what that number counts, for the closing line; "": not shown there
    )
    needs_catalog: bool = True  # skipped under `--products 0` (people only)


STEPS: tuple[Step, ...] = (
    Step(
        "accounts",
        lambda stdout, sizes: accounts.seed_people(stdout),
        counts="people",
        needs_catalog=False,
    ),
    Step(
        "catalog",
        lambda stdout, sizes: catalog.seed_catalog(stdout, products=sizes["products"]),
        counts="products",
    ),
    Step("inventory", lambda stdout, sizes: inventory.seed_stock(stdout)),
    Step(
        "orders",
        lambda stdout, sizes: orders.seed_orders(stdout, orders=sizes["orders"]),
        counts="orders",
    ),
    Step(
        "payments",
        lambda stdout, sizes: payments.seed_payments(stdout) if sizes["orders"] else 0,
        counts="payments",
    ),
)
