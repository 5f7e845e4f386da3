"""The audit context reaches the database per transaction and never leaks."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from apps.auditing.context import audit_context
from tests.conftest import AuditTrail
from tests.testapp.models import Plain, Widget


def _setting() -> str | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('audit.context', true)")
        return cursor.fetchone()[0]


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_context_does_not_leak_to_next_transaction_on_pooled_connection(customer):
    trail = AuditTrail()
    assert connection.pool is not None
    with (
        audit_context(source="web", actor_id=customer.pk, actor_kind="customer"),
        transaction.atomic(),
    ):
        widget = Widget.objects.create(name="ctx")
        assert "customer" in _setting()
    pid = _backend_pid()
    # Hand the connection back to the pool until the pool gives the same server session again.
    for _ in range(connection.pool.max_size + 1):
        connection.close()
        if _backend_pid() == pid:
            break
    assert _backend_pid() == pid
    assert _setting() in ("", None)
    with transaction.atomic():
        Widget.objects.filter(pk=widget.pk).update(colour="blue")
    insert, update = trail.events(table_name="testapp_widget")
    assert (insert.source, insert.actor_id) == ("web", customer.pk)
    assert (update.source, update.actor_id, update.actor_kind) == (
        "sql",
        None,
        "system",
    )


@pytest.mark.django_db(transaction=True)
def test_context_is_transaction_local_even_in_autocommit(customer):
    with audit_context(source="admin", actor_id=customer.pk, actor_kind="staff"):
        Widget.objects.create(name="auto")  # autocommit: its own transaction
    assert _setting() in ("", None)


@pytest.mark.django_db
def test_reads_and_untracked_tables_send_no_context():
    from django.test.utils import CaptureQueriesContext

    with (
        audit_context(source="web", actor_id=None),
        CaptureQueriesContext(connection) as queries,
    ):
        list(Widget.objects.all())
        Plain.objects.create(value=1)
    assert "set_config" not in queries[0]["sql"]
    # Writes carry it in the same statement: one round trip, one query counted.
    assert len(queries) == 2
    assert queries[1]["sql"].startswith("SELECT set_config('audit.context'")


@pytest.mark.django_db
def test_context_with_percent_and_quotes_survives_parameter_binding(audit_trail):
    with audit_context(source="web", extra={"path": "/search?q=50%25 off & it's"}):
        Widget.objects.create(name="100% 'quoted'")
        Widget.objects.filter(name__contains="100%").update(colour="x")
    events = audit_trail.events(table_name="testapp_widget")
    assert [e.action for e in events] == ["insert", "update"]
    assert events[0].context["path"] == "/search?q=50%25 off & it's"


@pytest.mark.django_db
def test_unknown_source_is_refused():
    with (
        pytest.raises(ValueError, match="unknown audit source"),
        audit_context(source="nowhere"),
    ):
        pass


@pytest.mark.django_db
def test_read_only_page_costs_no_query_for_the_audit_context(
    client, django_assert_num_queries
):
    # /ping goes through every middleware, the audit context's included, and reads nothing.
    with django_assert_num_queries(0):
        response = client.get("/ping")
    assert response.status_code == 200
