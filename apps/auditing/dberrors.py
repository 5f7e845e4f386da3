"""Database refusals as business errors, told apart by the constraint's name, never its text.

A service runs the statement that may break a rule inside `constraint_errors({name: Error})`.
PostgreSQL reports which rule refused the row (`diag.constraint_name`): a constraint's own
name, or the name one of our triggers gives with `RAISE ... USING CONSTRAINT = '<name>'`.
A refusal named in the mapping becomes that `ShopError`, raised from the database error;
anything else passes through unchanged.

The block runs in its own savepoint, so after a refusal the caller's transaction is still
usable (a slug can try its next candidate, a view can render its page).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

from django.db import DatabaseError, transaction

from .errors import ShopError

# A ShopError class, or any callable that returns the error to raise (to add details).
ErrorFactory = Callable[[], ShopError]


def _constraint_name(exc: DatabaseError) -> str | None:
    # Django re-raises the driver's error from itself: psycopg's diagnostics are on the cause.
    diag = getattr(exc.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None)


@contextmanager
def constraint_errors(
    errors: Mapping[str, ErrorFactory], *, using: str | None = None
) -> Iterator[None]:
    """Run the block in a savepoint; a refusal by a constraint in `errors` raises its ShopError."""
    try:
        with transaction.atomic(using=using):
            yield
    except DatabaseError as exc:  # IntegrityError, and what a trigger's RAISE becomes
        factory = errors.get(_constraint_name(exc) or "")
        if factory is None:
            raise
        raise factory() from exc
