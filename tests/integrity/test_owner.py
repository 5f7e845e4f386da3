"""The rules behind the privileges hold for the owner as well.

The application's role is refused by its privileges before a rule runs (the other modules of
this package). The owner holds every privilege, so for it the triggers are what refuse:
TRUNCATE of every table whose rows are kept, and any change of the audit trail or its inbox.
Its sanctioned flags let through only what they sanction (test_redaction.py: redaction by
the marker; the drain: test_redaction.py, test_inbox.py). Run on a connection of the owner's
own, over committed rows.
"""

from __future__ import annotations

import psycopg
import pytest

from apps.auditing.services import audit_record
from tests.conftest import connect_as

from .test_truncate import KEPT

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def owner():
    with connect_as("owner", autocommit=True) as conn:
        conn.execute("SET lock_timeout = '5s'")
        yield conn


def test_the_owner_is_the_databases_owner_and_no_superuser(owner):
    assert owner.execute(
        "SELECT pg_has_role(current_user, 'pg_database_owner', 'MEMBER'), rolsuper"
        " FROM pg_roles WHERE rolname = current_user"
    ).fetchone() == (True, False)


@pytest.mark.parametrize("table", sorted(KEPT))
def test_truncate_is_refused_for_the_owner_by_the_rule(owner, table):
    with pytest.raises(psycopg.DatabaseError) as refused, owner.transaction():
        owner.execute(f'TRUNCATE "{table}" CASCADE')
    assert refused.value.diag.constraint_name.endswith("_no_truncate")


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE auditing_auditevent SET action = 'forged' WHERE id = %(id)s",
        "UPDATE auditing_auditevent SET occurred_at = occurred_at + interval '1 second' WHERE id = %(id)s",
        "DELETE FROM auditing_auditevent WHERE id = %(id)s",
        "TRUNCATE auditing_auditevent",
        "TRUNCATE auditing_auditevent_inbox",
    ],
)
def test_the_trail_refuses_the_owner(owner, statement):
    audit_record("owner_probe", data={"n": 1})
    event_id, action = owner.execute(
        "SELECT id, action FROM auditing_auditevent WHERE action = 'owner_probe'"
        " ORDER BY id DESC LIMIT 1"
    ).fetchone()
    with pytest.raises(psycopg.DatabaseError) as refused, owner.transaction():
        owner.execute("SELECT set_config('auditing.redaction', 'on', true)")
        owner.execute(statement, {"id": event_id})
    assert refused.value.diag.constraint_name in (
        "auditing_auditevent_append_only",
        "auditing_auditevent_inbox_append_only",
    )
    assert owner.execute(
        "SELECT action FROM auditing_auditevent WHERE id = %s", [event_id]
    ).fetchone() == (action,)
