"""The audit backlog the demo data leaves, moved into the trail before `seed_demo` returns.

Every demo row is captured by the audit triggers into the inbox; the drain job would move
them within minutes, but a seeded database should be complete at once. While the steps run,
a second connection drains what they have committed (`draining()`: the database has a core
to spare while the seeder's own connection works); at the end the command calls the same
drain (`audit_inbox_drain`) in batches until the inbox is empty, with a progress line.
"""

from __future__ import annotations

import contextlib
import contextvars
import threading
from collections.abc import Iterator

from django.core.management.base import OutputWrapper
from django.db import connection

from apps.auditing.selectors import audit_backlog
from apps.auditing.services import audit_inbox_drain

from .progress import progress

BATCH = 100_000  # events per drain transaction (whole captures: up to 50,000 rows each)
IDLE = 0.5  # seconds the background drain waits when the inbox is empty


def drain_audit_backlog(stdout: OutputWrapper) -> int:
    """Drain the audit inbox; returns how many events moved into the trail."""
    total = audit_backlog().events
    moved = 0
    while True:
        # wait: captures another drain (the job) holds are waited for, not skipped, so the
        # inbox is empty when this returns.
        batch = audit_inbox_drain(batch_size=BATCH, wait=True)
        moved += batch
        total = max(total, moved)
        progress(stdout, "audit", moved if batch >= BATCH else total, total)
        if batch < BATCH:
            return moved


def _drain_until(stop: threading.Event) -> None:
    try:
        while not stop.is_set():
            if audit_inbox_drain(batch_size=BATCH) < BATCH:
                stop.wait(IDLE)
    finally:
        connection.close()  # this thread's own connection


@contextlib.contextmanager
def draining() -> Iterator[None]:
    """Drain committed captures on a second connection while the block runs.

    Not inside a transaction (a test's): another connection could not see its captures.
    """
    if connection.in_atomic_block:
        yield
        return
    stop = threading.Event()
    worker = threading.Thread(
        target=contextvars.copy_context().run,
        args=(_drain_until, stop),
        name="audit-drain",
        daemon=True,
    )
    worker.start()
    try:
        yield
    finally:
        stop.set()
        worker.join()
