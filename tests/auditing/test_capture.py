"""Every change to an audited table lands in the audit trail with the right context."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from apps.auditing.context import audit_context
from tests.conftest import AuditTrail, wait_for
from tests.testapp.models import Widget
from tests.testapp.tasks import widget_lifecycle_task

pytestmark = pytest.mark.django_db


def _lifecycle_events(trail: AuditTrail, widget_id: int):
    return trail.events(table_name="testapp_widget", row_pk=str(widget_id))


def _assert_lifecycle(events, *, source, actor_id, actor_kind):
    assert [e.action for e in events] == ["insert", "update", "soft_delete"]
    insert, update, delete = events
    assert insert.changes["name"] == update.changes.get("name", insert.changes["name"])
    assert insert.changes["colour"] == "red"
    assert "secret" not in insert.changes  # sensitive column never copied
    assert update.changes == {"colour": ["red", "blue"]}
    assert list(delete.changes) == ["deleted_at"]
    assert delete.changes["deleted_at"][0] is None
    for event in events:
        assert (event.source, event.actor_id, event.actor_kind) == (
            source,
            actor_id,
            actor_kind,
        )
        assert event.db_role == connection.settings_dict["USER"]
    assert len({e.txid for e in events}) == 1


def test_web_request_records_customer_and_request(client, customer, audit_trail):
    client.force_login(customer)
    response = client.post(
        "/test/widget-lifecycle", {"name": "web"}, HTTP_X_REQUEST_ID="req-12345678"
    )
    assert response.status_code == 200
    events = _lifecycle_events(audit_trail, int(response.content))
    _assert_lifecycle(events, source="web", actor_id=customer.pk, actor_kind="customer")
    assert {e.request_id for e in events} == {"req-12345678"}
    assert {e.ip for e in events} == {"127.0.0.1"}
    assert events[0].context["path"] == "/test/widget-lifecycle"
    assert response.headers["X-Request-ID"] == "req-12345678"


def test_anonymous_web_request_is_recorded_as_anonymous(client, audit_trail):
    response = client.post("/test/widget-lifecycle", {"name": "anon"})
    events = _lifecycle_events(audit_trail, int(response.content))
    _assert_lifecycle(events, source="web", actor_id=None, actor_kind="anonymous")
    assert len(events[0].request_id) == 32


def test_admin_add_change_delete_records_staff(staff_client, staff, audit_trail):
    response = staff_client.post(
        "/admin/testapp/widget/add/",
        {"name": "adm", "colour": "red", "price": "1.00", "secret": "x"},
    )
    assert response.status_code == 302
    widget = Widget.objects.get(name="adm")
    response = staff_client.post(
        f"/admin/testapp/widget/{widget.pk}/change/",
        {"name": "adm", "colour": "blue", "price": "1.00", "secret": "x"},
    )
    assert response.status_code == 302
    response = staff_client.post(
        f"/admin/testapp/widget/{widget.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    events = _lifecycle_events(audit_trail, widget.pk)
    _assert_lifecycle(events, source="admin", actor_id=staff.pk, actor_kind="staff")


def test_management_command_records_command_source(audit_trail, staff):
    from io import StringIO

    out = StringIO()
    call_command("widget_lifecycle", "cmd", f"--actor-id={staff.pk}", stdout=out)
    events = _lifecycle_events(audit_trail, int(out.getvalue()))
    _assert_lifecycle(events, source="command", actor_id=staff.pk, actor_kind="staff")
    assert events[0].context == {"command": "widget_lifecycle"}


def test_management_command_without_actor_is_system(audit_trail):
    from io import StringIO

    out = StringIO()
    call_command("widget_lifecycle", "cmd-system", stdout=out)
    events = _lifecycle_events(audit_trail, int(out.getvalue()))
    _assert_lifecycle(events, source="command", actor_id=None, actor_kind="system")


def test_raw_sql_is_recorded_with_source_sql_and_role(audit_trail):
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO testapp_widget (name, colour, price, secret) VALUES ('raw', 'red', 0, 'x') RETURNING id"
        )
        widget_id = cursor.fetchone()[0]
        cursor.execute(
            "UPDATE testapp_widget SET colour = 'blue' WHERE id = %s", [widget_id]
        )
        cursor.execute("DELETE FROM testapp_widget WHERE id = %s", [widget_id])
    events = _lifecycle_events(audit_trail, widget_id)
    _assert_lifecycle(events, source="sql", actor_id=None, actor_kind="system")
    assert events[0].request_id is None and events[0].context is None


def test_task_run_inline_records_task_source(audit_trail, customer):
    widget_id = widget_lifecycle_task.apply(
        kwargs={"name": "inline", "actor_id": customer.pk}
    ).get()
    events = _lifecycle_events(audit_trail, widget_id)
    _assert_lifecycle(
        events, source="task", actor_id=customer.pk, actor_kind="customer"
    )
    assert events[0].context["task"] == "testapp.widget_lifecycle_task"


@pytest.mark.django_db(transaction=True)
def test_task_run_by_real_worker_records_task_source_and_actor(celery_worker, staff):
    trail = AuditTrail()
    result = widget_lifecycle_task.apply_async(
        kwargs={"name": "worker", "actor_id": staff.pk}, queue=celery_worker
    )
    widget = wait_for(
        lambda: Widget.all_objects.filter(
            name="worker", deleted_at__isnull=False
        ).first()
    )
    events = _lifecycle_events(trail, widget.pk)
    _assert_lifecycle(events, source="task", actor_id=staff.pk, actor_kind="staff")
    assert events[0].context == {
        "task": "testapp.widget_lifecycle_task",
        "task_id": result.id,
    }


@pytest.mark.django_db(transaction=True)
def test_actor_of_the_enqueuing_request_travels_with_the_task(celery_worker, customer):
    trail = AuditTrail()
    with audit_context(source="web", actor_id=customer.pk, actor_kind="customer"):
        widget_lifecycle_task.apply_async(
            kwargs={"name": "carried"}, queue=celery_worker
        )
    widget = wait_for(
        lambda: Widget.all_objects.filter(
            name="carried", deleted_at__isnull=False
        ).first()
    )
    _assert_lifecycle(
        _lifecycle_events(trail, widget.pk),
        source="task",
        actor_id=customer.pk,
        actor_kind="customer",
    )


def test_update_that_changes_nothing_records_nothing(audit_trail):
    widget = Widget.objects.create(name="same", colour="red")
    Widget.objects.filter(pk=widget.pk).update(colour="red")
    assert audit_trail.actions(table_name="testapp_widget") == ["insert"]


def test_sensitive_column_change_is_named_but_withheld(audit_trail):
    widget = Widget.objects.create(name="secretive", secret="one")
    Widget.objects.filter(pk=widget.pk).update(secret="two")
    update = audit_trail.events(table_name="testapp_widget", action="update")[0]
    assert update.changes == {"secret": ["[withheld]", "[withheld]"]}


def test_bulk_update_records_one_event_per_row(audit_trail):
    Widget.objects.bulk_create([Widget(name=f"bulk-{i}", price=i) for i in range(50)])
    Widget.objects.filter(name__startswith="bulk-").update(colour="green")
    events = audit_trail.events(table_name="testapp_widget", action="update")
    assert len(events) == 50
    assert all(e.changes == {"colour": ["", "green"]} for e in events)


def test_restore_is_recorded_as_restore(audit_trail):
    widget = Widget.objects.create(name="back")
    widget.soft_delete()
    widget.restore()
    assert audit_trail.actions(table_name="testapp_widget") == [
        "insert",
        "soft_delete",
        "restore",
    ]


@pytest.mark.django_db(transaction=True)
def test_hard_delete_is_recorded_with_the_old_row(audit_trail):
    from apps.auditing.roles import as_owner

    widget = Widget.objects.create(name="gone", colour="red")
    with as_owner():  # a hard delete is the owner's (and the purge's)
        Widget.all_objects.filter(pk=widget.pk).hard_delete()
    delete = audit_trail.events(table_name="testapp_widget", action="delete")[0]
    assert delete.changes["name"] == "gone" and "secret" not in delete.changes
    assert not Widget.all_objects.filter(pk=widget.pk).exists()


def test_audit_record_writes_application_event_with_context(audit_trail, customer):
    from apps.auditing.services import audit_record

    with audit_context(
        source="web",
        actor_id=customer.pk,
        actor_kind="customer",
        ip="10.1.2.3",
        request_id="r-1234567",
    ):
        audit_record("login", data={"email": customer.email})
    event = audit_trail.events(action="login")[0]
    assert (event.table_name, event.source, event.actor_id, event.actor_kind) == (
        None,
        "web",
        customer.pk,
        "customer",
    )
    assert event.changes == {"email": customer.email}
    assert (event.ip, event.request_id) == ("10.1.2.3", "r-1234567")


def test_failed_write_leaves_no_event(audit_trail):
    from django.db import IntegrityError

    Widget.objects.create(name="dup")
    with pytest.raises(IntegrityError), transaction.atomic():
        Widget.objects.create(name="dup")
    assert audit_trail.actions(table_name="testapp_widget") == ["insert"]


def test_sign_in_is_attributed_to_the_person_signing_in(client, staff, audit_trail):
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": staff.email, "password": "correct horse battery"},
    )
    assert response.status_code == 302
    (event,) = audit_trail.events(table_name="accounts_user", action="update")
    assert list(event.changes) == ["last_login"]
    assert (event.source, event.actor_id, event.actor_kind) == (
        "admin",
        staff.pk,
        "staff",
    )
