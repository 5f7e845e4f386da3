"""What the page benchmarks do before they measure: the schema migrated, the demo catalog
seeded to size. Both through `manage.py`, their output on stderr (stdout carries only the
benchmark's one JSON line)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def _manage(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=sys.stderr,
    )


def ensure_migrated(env: dict[str, str], log: Callable[[str], None]) -> None:
    """Pages are measured on the current schema (as `make bench`, which migrates first)."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        log("applying migrations (manage.py migrate)")
        _manage(env, "migrate", "--noinput")


def seed_catalog(
    env: dict[str, str], products: int, log: Callable[[str], None]
) -> float:
    """Top the demo catalog up to `products` products; returns the seconds it took."""
    log(f"seeding the demo catalog up to {products} products (manage.py seed_demo)")
    started = time.perf_counter()
    _manage(env, "seed_demo", "--products", str(products))
    return round(time.perf_counter() - started, 1)
