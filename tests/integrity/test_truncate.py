"""No table whose rows are kept can be emptied wholesale: every table with row rules (append-
only, never deleted, soft-deleted) refuses TRUNCATE, directly and through CASCADE.

Generated from the triggers the models declare, so a new protected table is covered (and a
protected table without its TRUNCATE rule fails here) without writing anything.
"""

from __future__ import annotations

import pgtrigger
import pytest
from django.db import DatabaseError, connection, transaction

from apps.auditing.triggers import NoTruncate, SoftDeleteTrigger


def _keeps_rows(trigger) -> bool:
    """A row rule that says this table's rows are kept: soft delete, or refused deletes."""
    if isinstance(trigger, SoftDeleteTrigger):
        return True
    return isinstance(trigger, pgtrigger.Protect) and "DELETE" in str(trigger.operation)


def _tables() -> tuple[set[str], set[str]]:
    kept, refusing = set(), set()
    for model, trigger in pgtrigger.registered():
        if _keeps_rows(trigger):
            kept.add(model._meta.db_table)
        if isinstance(trigger, NoTruncate):
            refusing.add(model._meta.db_table)
    return kept, refusing


KEPT, REFUSING = _tables()


def test_every_table_with_row_rules_declares_the_truncate_rule():
    assert KEPT  # the scan finds the shop's protected tables
    assert {
        "inventory_stockmovement",
        "inventory_reservation",
        "catalog_product",
    } <= KEPT
    assert KEPT - REFUSING == set()


@pytest.mark.django_db
def test_the_truncate_rule_is_installed_on_every_such_table():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " WHERE NOT t.tgisinternal AND t.tgenabled <> 'D'"
            " AND t.tgtype & 32 = 32 AND t.tgtype & 2 = 2"  # TRUNCATE, BEFORE
        )
        installed = {row[0] for row in cursor.fetchall()}
    assert KEPT - installed == set()


def _count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT count(*) FROM "{table}"')
        return cursor.fetchone()[0]


@pytest.mark.django_db
@pytest.mark.parametrize("table", sorted(KEPT))
@pytest.mark.parametrize("cascade", [False, True], ids=["plain", "cascade"])
def test_truncate_is_refused_and_the_rows_stay(shop_rows, table, cascade):
    before = _count(table)
    statement = f'TRUNCATE "{table}"' + (" CASCADE" if cascade else "")
    with pytest.raises(DatabaseError) as refused, transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(statement)
    # The application's role holds no TRUNCATE privilege on any table: refused before any
    # rule runs. The rule behind it refuses the owner too (test_owner.py).
    cause = refused.value.__cause__
    assert cause.sqlstate == "42501" and "permission denied" in str(cause)
    assert before > 0, f"the seeded shop has no {table} rows"
    assert _count(table) == before
