"""The ledger check (selectors) as staff and beat see it: `manage.py inventory_check` and the
`inventory.ledger_check` job."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.conftest import superuser_sql

pytestmark = pytest.mark.django_db


def _sql(statement, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def test_inventory_check_command_reports_agreement(stocked):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("inventory_check", stdout=out)
    assert "agree" in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_check_detects_a_ledger_that_does_not_add_up(stocked):
    from io import StringIO

    from django.core.management import CommandError, call_command

    from apps.auditing.jobs import job_execute

    _, main, _ = stocked
    # Simulate corruption from outside the rules: the cluster's superuser, triggers off.
    superuser_sql("UPDATE inventory_stock SET on_hand = 99 WHERE id = %s", [main.pk])
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("inventory_check", stdout=out)
    assert f"stock {main.pk}: on_hand 99 but ledger sums to 10" in out.getvalue()
    with pytest.raises(AssertionError):
        job_execute("inventory.ledger_check")
