"""No session setting switches a rule off for the application: pgtrigger's `pgtrigger.ignore`
list is honoured for the database owner only (migrations, sanctioned maintenance).

The application's role is played by a role of its own, made here, that may read and write
the shop's tables but does not own the database.
"""

from __future__ import annotations

import uuid

import psycopg
import pytest
from django.db import connection

from tests.testapp.models import Widget


def _dsn(role: str | None = None) -> dict:
    s = connection.settings_dict
    return {
        "host": s["HOST"],
        "port": s["PORT"],
        "user": role or s["USER"],
        "password": (s.get("PASSWORD") or None) if role is None else None,
        "dbname": s["NAME"],
    }


@pytest.fixture
def app_role(transactional_db):
    """A login role with the application's table privileges, not the database's owner."""
    role = f"shop_app_probe_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(**_dsn(), autocommit=True) as owner:
        owner.execute(f"CREATE ROLE {role} LOGIN NOSUPERUSER")
        owner.execute(f"GRANT USAGE ON SCHEMA public TO {role}")
        owner.execute(
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}"
        )
        owner.execute(
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}"
        )
    try:
        yield role
    finally:
        with psycopg.connect(**_dsn(), autocommit=True) as owner:
            owner.execute(f"DROP OWNED BY {role}")
            owner.execute(f"DROP ROLE {role}")


def _pgtrigger_names(conn) -> list[str]:
    return [
        row[0]
        for row in conn.execute(
            "SELECT tgname FROM pg_trigger WHERE tgname LIKE 'pgtrigger\\_%' ORDER BY 1"
        )
    ]


def test_the_ignore_list_switches_nothing_off_for_the_application(app_role):
    with psycopg.connect(**_dsn(app_role)) as app:
        names = _pgtrigger_names(app)
        assert len(names) > 50
        app.execute(
            "SELECT set_config('pgtrigger.ignore', %s, true)",
            ["{" + ",".join(names) + "}"],
        )
        honoured = app.execute(
            "SELECT count(*) FROM unnest(%s::name[]) n WHERE _pgtrigger_should_ignore(n)",
            [names],
        ).fetchone()[0]
    assert honoured == 0


def test_a_rule_listed_to_ignore_still_holds_for_the_application(app_role):
    widget = Widget.objects.create(name="kept")
    with psycopg.connect(**_dsn(app_role)) as app:
        (soft_delete,) = app.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'testapp_widget'::regclass"
            " AND tgname LIKE 'pgtrigger_soft_delete%'"
        ).fetchone()
        with app.transaction():
            app.execute(
                "SELECT set_config('pgtrigger.ignore', %s, true)",
                ["{" + soft_delete + "}"],
            )
            app.execute("DELETE FROM testapp_widget WHERE id = %s", [widget.pk])
    # The soft delete rule ran all the same: the row is kept, marked deleted.
    assert Widget.all_objects.get(pk=widget.pk).deleted_at is not None


def test_the_owner_may_still_use_it_for_sanctioned_maintenance(transactional_db):
    with psycopg.connect(**_dsn()) as owner:
        names = _pgtrigger_names(owner)
        owner.execute(
            "SELECT set_config('pgtrigger.ignore', %s, true)", ["{" + names[0] + "}"]
        )
        assert owner.execute(
            "SELECT _pgtrigger_should_ignore(%s)", [names[0]]
        ).fetchone()[0]
        owner.rollback()
