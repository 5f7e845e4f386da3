"""The database check refuses a database carrying an earlier development version's kernel."""

import pytest
from django.db import connection

from apps.auditing.checks import earlier_audit_kernel
from apps.auditing.roles import as_owner

pytestmark = pytest.mark.django_db


def test_the_current_kernel_passes():
    assert earlier_audit_kernel(databases=["default"]) == []


@pytest.mark.django_db(transaction=True)
def test_an_earlier_kernels_function_is_reported():
    with as_owner(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION auditing_capture_rows() RETURNS trigger LANGUAGE plpgsql"
            " AS $$ BEGIN RETURN NULL; END $$"
        )
    try:
        (error,) = earlier_audit_kernel(databases=["default"])
        assert error.id == "auditing.E001"
        assert "auditing_capture_rows (plpgsql)" in error.msg
    finally:
        with as_owner(), connection.cursor() as cursor:
            cursor.execute("DROP FUNCTION auditing_capture_rows()")


def test_deploy_check_warns_when_the_application_owns_the_schema(settings):
    from apps.auditing.checks import application_role_owns_nothing

    assert application_role_owns_nothing() == []
    settings.DATABASE_OWNER = dict(settings.DATABASE_APP)
    (warning,) = application_role_owns_nothing()
    assert warning.id == "auditing.W001"
