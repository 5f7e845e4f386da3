"""No row's key can be renumbered: every audited table refuses a change of its primary key.

Rules that look at a key (a role's ancestors, a ledger's stock row, an event's row) could
otherwise be walked around, e.g. a role cycle made by renumbering ids. Generated from the
models' triggers, like the TRUNCATE rule.
"""

from __future__ import annotations

import pgtrigger
import pytest
from django.db import DatabaseError, connection, transaction

from apps.auditing.roles import model_privileges
from apps.auditing.triggers import AuditTrigger, PkImmutable


def _tables() -> tuple[set[str], set[str]]:
    audited, fixed = set(), set()
    for model, trigger in pgtrigger.registered():
        if isinstance(trigger, AuditTrigger):
            audited.add(model._meta.db_table)
        if isinstance(trigger, PkImmutable):
            fixed.add(model._meta.db_table)
    return audited, fixed


AUDITED, FIXED = _tables()


def test_every_audited_table_keeps_its_keys():
    assert {"accounts_role", "inventory_stock", "catalog_product"} <= AUDITED
    assert AUDITED - FIXED == set()


def _ids(table: str) -> list:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT id FROM "{table}" ORDER BY id')
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.django_db
@pytest.mark.parametrize("table", sorted(AUDITED))
def test_renumbering_a_key_is_refused_and_the_keys_stay(shop_rows, table):
    before = _ids(table)
    assert before, f"the seeded shop has no {table} rows"
    with pytest.raises(DatabaseError) as refused, transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                f'UPDATE "{table}" SET id = id + 1000000000 WHERE id = %s', [before[0]]
            )
    cause = refused.value.__cause__
    if "UPDATE" in model_privileges().get(table, ("UPDATE",)):
        assert cause.diag.constraint_name == f"{table}_pk_immutable"
    else:  # an append-only table: the application may not UPDATE it at all
        assert cause.sqlstate == "42501"
    assert _ids(table) == before


@pytest.mark.django_db
def test_a_role_cycle_cannot_be_made_by_renumbering(shop_rows):
    from apps.accounts.models import Role

    parent = Role.objects.create(name="Parent role")
    child = Role.objects.create(name="Child role", parent=parent)
    with pytest.raises(DatabaseError) as refused, transaction.atomic():
        with connection.cursor() as cursor:
            # Give the parent the child's id + n, then point the child at it: a cycle, if
            # keys could change.
            cursor.execute(
                "UPDATE accounts_role SET id = %s WHERE id = %s",
                [child.pk + 10**9, parent.pk],
            )
    assert refused.value.__cause__.diag.constraint_name == "accounts_role_pk_immutable"
    assert Role.objects.get(pk=child.pk).parent_id == parent.pk
