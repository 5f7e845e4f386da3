"""The trail's vocabularies are written once in Python and once in SQL, and they agree."""

import re

import pytest
from django.db import DatabaseError, connection, transaction

from apps.auditing.context import audit_context
from apps.auditing.vocabulary import ACTOR_KINDS, SOURCES

pytestmark = pytest.mark.django_db


def _domain_values(domain: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_constraintdef(c.oid) FROM pg_constraint c"
            " JOIN pg_type t ON t.oid = c.contypid WHERE t.typname = %s",
            [domain],
        )
        (definition,) = cursor.fetchone()
    return set(re.findall(r"'([^']+)'::text", definition))


@pytest.mark.parametrize(
    ("domain", "values"),
    [("auditing_source", SOURCES), ("auditing_actor_kind", ACTOR_KINDS)],
)
def test_sql_domains_list_exactly_the_python_values(domain, values):
    assert _domain_values(domain) == set(values)


@pytest.mark.parametrize(
    ("key", "constraint"),
    [
        ("source", "auditing_auditevent_source_valid"),
        ("actor_kind", "auditing_auditevent_actor_kind_valid"),
    ],
)
def test_a_bad_context_value_is_refused_by_the_domains_constraint(key, constraint):
    from tests.testapp.models import Widget

    with pytest.raises(DatabaseError) as refused, transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('audit.context', %s, true)",
                [f'{{"{key}": "forged"}}'],
            )
            cursor.execute(
                "INSERT INTO testapp_widget (name, colour, price, secret) VALUES ('x', '', 0, '')"
            )
    assert refused.value.__cause__.diag.constraint_name == constraint
    assert not Widget.all_objects.filter(name="x").exists()


def test_python_refuses_values_outside_the_vocabulary():
    with (
        pytest.raises(ValueError, match="unknown audit source"),
        audit_context(source="forged"),
    ):
        pass
    with (
        pytest.raises(ValueError, match="unknown actor kind"),
        audit_context(source="web", actor_kind="robot"),
    ):
        pass
