"""The three roles: what each may do follows from the tables' rules, and stays so.

docs/security.md describes them; apps/auditing/roles.py derives the grants; `manage.py
db_roles` makes the roles and syncs the grants, idempotently.
"""

from __future__ import annotations

from io import StringIO

import psycopg
import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from apps.auditing.roles import grants_plan, model_privileges, role_names
from tests.conftest import connect_as

pytestmark = pytest.mark.django_db


def _privileges(role: str, table: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p FROM unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE',"
            " 'REFERENCES', 'TRIGGER']) p WHERE has_table_privilege(%s, %s, p)",
            [role, table],
        )
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        # append_only(): the ledger, a history table
        ("inventory_stockmovement", {"SELECT", "INSERT"}),
        ("accounts_historicaluser", {"SELECT", "INSERT"}),
        # never_deleted()
        ("inventory_reservation", {"SELECT", "INSERT", "UPDATE"}),
        # soft-deleted (a DELETE becomes a soft delete) and ordinary tables
        ("catalog_product", {"SELECT", "INSERT", "UPDATE", "DELETE"}),
        ("accounts_user", {"SELECT", "INSERT", "UPDATE", "DELETE"}),
        # the kernel's own
        ("auditing_auditevent", {"SELECT"}),
        ("auditing_auditevent_inbox", {"SELECT", "INSERT"}),
        ("auditing_auditevent_quarantine", {"SELECT"}),
        ("auditing_auditevent_quarantine_moved", {"SELECT"}),
        ("django_migrations", {"SELECT"}),
    ],
)
def test_the_application_may_do_what_the_tables_rules_allow(table, expected):
    _, app, _ = role_names()
    assert _privileges(app, table) == expected


def test_the_plan_follows_the_kernel_helpers():
    plan = model_privileges()
    assert plan["inventory_stockmovement"] == ("SELECT", "INSERT")
    assert plan["inventory_reservation"] == ("SELECT", "INSERT", "UPDATE")
    assert "TRUNCATE" not in {p for privileges in plan.values() for p in privileges}


def test_the_grants_are_in_line_after_migrate():
    with connect_as("owner") as conn, conn.cursor() as cursor:
        assert grants_plan(cursor) == []


def test_no_sequence_can_be_moved_by_the_application():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence('inventory_stockmovement', 'id')")
        (sequence,) = cursor.fetchone()
        cursor.execute("SELECT last_value FROM " + sequence)
        before = cursor.fetchone()[0]
    with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT setval(%s, 1)", [sequence])
    with connection.cursor() as cursor:
        cursor.execute("SELECT last_value FROM " + sequence)
        assert cursor.fetchone()[0] == before


def test_the_application_may_create_no_table_not_even_a_temporary_one():
    for statement in (
        "CREATE TABLE probe (id int)",
        "CREATE TEMPORARY TABLE probe (id int)",
        "CREATE FUNCTION probe() RETURNS int LANGUAGE sql AS 'SELECT 1'",
    ):
        with (
            pytest.raises(DatabaseError, match="permission denied"),
            transaction.atomic(),
        ):
            with connection.cursor() as cursor:
                cursor.execute(statement)


def test_the_sanctioned_functions_are_the_application_s_and_the_owner_s_only():
    owner, app, report = role_names()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.oid::regprocedure::text,"
            " has_function_privilege(%s, p.oid, 'EXECUTE'),"
            " has_function_privilege(%s, p.oid, 'EXECUTE')"
            " FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace AND p.prosecdef"
            " ORDER BY 1",
            [app, report],
        )
        rows = cursor.fetchall()
        cursor.execute(
            "SELECT count(*) FROM pg_proc p, aclexplode(p.proacl) a"
            " WHERE p.prosecdef AND p.pronamespace = 'public'::regnamespace AND a.grantee = 0"
        )
        public = cursor.fetchone()[0]
    names = {name.split("(")[0] for name, _, _ in rows}
    assert {
        "auditing_inbox_drain",
        "auditing_event_record",
        "auditing_event_redact",
        "auditing_partition_detach",
        "auditing_partition_drop",
        "auditing_soft_deleted_purge",
        "accounts_user_history_scrub",
    } <= names
    assert all(app_may and not report_may for _, app_may, report_may in rows)
    assert public == 0


def test_the_report_role_reads_everything_but_the_secrets():
    _, _, report = role_names()
    with connect_as("admin", autocommit=True) as conn:
        conn.execute(f'SET ROLE "{report}"')
        conn.execute("SELECT count(*) FROM catalog_product").fetchone()
        conn.execute("SELECT count(*) FROM auditing_auditevent").fetchone()
        conn.execute("SELECT id, email FROM accounts_user LIMIT 1").fetchall()
        for statement in (
            "SELECT password FROM accounts_user LIMIT 1",
            "SELECT * FROM accounts_accounttoken LIMIT 1",
            "SELECT * FROM django_session LIMIT 1",
            "UPDATE catalog_product SET name = name WHERE false",
            "SELECT auditing_inbox_drain(1)",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)


@pytest.mark.django_db(transaction=True)
def test_db_roles_is_idempotent():
    out = StringIO()
    call_command("db_roles", stdout=out)
    call_command("db_roles", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[-1].endswith("0 grant(s) changed")
    assert not any("created" in line or "owner is now" in line for line in lines)
