"""No session setting switches a rule off for the application: pgtrigger's `pgtrigger.ignore`
list is honoured for the database owner only (migrations, sanctioned maintenance).

The suite connects as the application's role (DATABASE_URL), which does not own the
database; the owner's connection is opened from DATABASE_OWNER_URL.
"""

from __future__ import annotations

import psycopg
import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction

from apps.auditing.roles import role_names
from tests.testapp.models import Widget

pytestmark = pytest.mark.django_db


def _names() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgname LIKE 'pgtrigger\\_%' ORDER BY 1"
        )
        return [row[0] for row in cursor.fetchall()]


def test_the_suite_runs_as_the_application_role_which_owns_nothing():
    owner, app, _ = role_names()
    assert owner != app
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_user, pg_has_role(current_user, 'pg_database_owner', 'MEMBER'),"
            " rolsuper, rolcreaterole, rolcreatedb, rolbypassrls"
            " FROM pg_roles WHERE rolname = current_user"
        )
        assert cursor.fetchone() == (app, False, False, False, False, False)
        cursor.execute(
            "SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace"
            " AND relowner = current_user::regrole"
        )
        assert cursor.fetchone()[0] == 0


def test_the_ignore_list_switches_nothing_off_for_the_application():
    names = _names()
    assert len(names) > 50
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('pgtrigger.ignore', %s, true)",
            ["{" + ",".join(names) + "}"],
        )
        cursor.execute(
            "SELECT count(*) FROM unnest(%s::name[]) n WHERE _pgtrigger_should_ignore(n)",
            [names],
        )
        assert cursor.fetchone()[0] == 0


def test_a_rule_listed_to_ignore_still_holds_for_the_application():
    widget = Widget.objects.create(name="kept")
    (soft_delete,) = [n for n in _names() if n.startswith("pgtrigger_soft_delete")][:1]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('pgtrigger.ignore', %s, true)", ["{" + soft_delete + "}"]
        )
        cursor.execute("DELETE FROM testapp_widget WHERE id = %s", [widget.pk])
    # The soft delete rule ran all the same: the row is kept, marked deleted.
    assert Widget.all_objects.get(pk=widget.pk).deleted_at is not None


def test_the_application_cannot_replace_the_ignore_function_or_disable_a_trigger():
    for statement in (
        "CREATE OR REPLACE FUNCTION _pgtrigger_should_ignore(trigger_name NAME)"
        " RETURNS BOOLEAN LANGUAGE sql AS 'SELECT true'",
        "ALTER TABLE inventory_stockmovement DISABLE TRIGGER USER",
        "SET session_replication_role = replica",
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(statement)


def test_the_owner_may_still_use_it_for_sanctioned_maintenance(transactional_db):
    s = connection.settings_dict
    with psycopg.connect(
        host=s["HOST"],
        port=s["PORT"],
        dbname=s["NAME"],
        user=settings.DATABASE_OWNER["USER"],
        password=settings.DATABASE_OWNER["PASSWORD"] or None,
    ) as owner:
        names = [
            r[0]
            for r in owner.execute(
                "SELECT tgname FROM pg_trigger WHERE tgname LIKE 'pgtrigger\\_%' ORDER BY 1"
            )
        ]
        owner.execute(
            "SELECT set_config('pgtrigger.ignore', %s, true)", ["{" + names[0] + "}"]
        )
        assert owner.execute(
            "SELECT _pgtrigger_should_ignore(%s)", [names[0]]
        ).fetchone()[0]
        owner.rollback()
