"""The back office: audit trail (read-only, fast), job runs, soft-deleted rows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.auditing.models import JobRun
from apps.auditing.services import audit_record
from tests.testapp.models import Widget

pytestmark = pytest.mark.django_db


def test_audit_changelist_has_filters_and_no_full_count(staff_client):
    Widget.objects.create(name="listed")
    with CaptureQueriesContext(connection) as queries:
        response = staff_client.get(
            "/admin/auditing/auditevent/?source__exact=sql&table_name=testapp_widget"
        )
    assert response.status_code == 200
    assert b"testapp_widget" in response.content
    counts = [
        q["sql"]
        for q in queries
        if "COUNT(" in q["sql"].upper() and "auditing_auditevent" in q["sql"]
    ]
    assert counts and all("LIMIT" in sql.upper() for sql in counts)


def test_audit_changelist_query_count_does_not_grow_with_rows(
    staff_client, django_assert_max_num_queries
):
    for i in range(60):
        audit_record("probe", data={"i": i})
    with django_assert_max_num_queries(10):
        response = staff_client.get("/admin/auditing/auditevent/?action__exact=probe")
    assert response.status_code == 200
    assert response.content.count(b"probe") >= 50


def test_audit_search_by_actor_email(staff_client, staff, audit_trail):
    from apps.auditing.context import audit_context

    with audit_context(source="admin", actor_id=staff.pk, actor_kind="staff"):
        audit_record("staff_probe")
    response = staff_client.get(f"/admin/auditing/auditevent/?q={staff.email}")
    assert b"staff_probe" in response.content


def test_audit_events_cannot_be_added_changed_or_deleted_in_admin(
    staff_client, audit_trail
):
    audit_record("locked")
    event = audit_trail.events(action="locked")[0]
    assert staff_client.get("/admin/auditing/auditevent/add/").status_code == 403
    response = staff_client.post(
        f"/admin/auditing/auditevent/{event.pk}/change/", {"action": "forged"}
    )
    assert response.status_code == 403
    assert (
        staff_client.post(
            f"/admin/auditing/auditevent/{event.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
    assert audit_trail.events(action="locked")[0].action == "locked"


def test_jobrun_changelist_and_run_now_action(
    staff_client, django_capture_on_commit_callbacks
):
    from unittest import mock

    run = JobRun.objects.create(
        job="auditing.jobs_watchdog",
        started_at="2026-01-01T00:00:00Z",
        outcome="success",
    )
    assert staff_client.get("/admin/auditing/jobrun/").status_code == 200
    with (
        mock.patch("celery.app.base.Celery.send_task") as send,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = staff_client.post(
            "/admin/auditing/jobrun/",
            {"action": "run_now", "_selected_action": [run.pk]},
            follow=True,
        )
    assert b"Queued: auditing.jobs_watchdog" in response.content
    send.assert_called_once_with("auditing.jobs_watchdog", kwargs={"trigger": "manual"})


def test_soft_delete_admin_hides_deleted_rows_and_restores_them(staff_client):
    alive = Widget.objects.create(name="alive-one")
    dead = Widget.objects.create(name="dead-one")
    response = staff_client.post(
        "/admin/testapp/widget/",
        {"action": "delete_selected", "_selected_action": [dead.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert Widget.all_objects.get(pk=dead.pk).deleted_at is not None
    listing = staff_client.get("/admin/testapp/widget/").content
    assert b"alive-one" in listing and b"dead-one" not in listing
    assert (
        b"dead-one" in staff_client.get("/admin/testapp/widget/?state=deleted").content
    )
    staff_client.post(
        "/admin/testapp/widget/?state=deleted",
        {"action": "restore_selected", "_selected_action": [dead.pk]},
    )
    assert Widget.objects.filter(pk=dead.pk).exists()
    assert Widget.objects.filter(pk=alive.pk).exists()


def test_admin_restore_conflict_shows_a_message_and_changes_nothing(staff_client):
    first = Widget.objects.create(name="clash")
    first.soft_delete()
    Widget.objects.create(name="clash")
    response = staff_client.post(
        "/admin/testapp/widget/?state=deleted",
        {"action": "restore_selected", "_selected_action": [first.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert b"cannot be restored" in response.content
    assert Widget.all_objects.get(pk=first.pk).deleted_at is not None


def _drain():
    from apps.auditing.services import audit_inbox_drain

    while audit_inbox_drain(batch_size=100_000):
        pass


def test_audit_changelist_reads_the_trail_and_says_what_waits(staff_client):
    _drain()
    Widget.objects.create(name="waiting-one")
    Widget.objects.create(name="waiting-two")
    with CaptureQueriesContext(connection) as queries:
        response = staff_client.get("/admin/auditing/auditevent/")
    assert response.status_code == 200
    # Nothing expands the inbox's captures: the page costs the same with any backlog.
    assert not [q for q in queries if "auditing_auditevent_all" in q["sql"]]
    assert not [q for q in queries if "inbox_events" in q["sql"]]
    assert b"2\n  captured statements of row changes\n  are waiting" in response.content

    _drain()
    response = staff_client.get("/admin/auditing/auditevent/?table_name=testapp_widget")
    assert b"waiting to be moved" not in response.content
    assert response.content.count(b"testapp_widget</td>") == 2


def test_audit_action_filter_lists_fixed_choices_without_scanning_the_trail(
    staff_client,
):
    audit_record("login_failed")
    _drain()
    with CaptureQueriesContext(connection) as queries:
        response = staff_client.get("/admin/auditing/auditevent/")
    assert response.status_code == 200
    assert not [q for q in queries if "DISTINCT" in q["sql"].upper()]
    assert b"?action=soft_delete" in response.content
    assert b"?action=application" in response.content
    applications = staff_client.get("/admin/auditing/auditevent/?action=application")
    assert b"login_failed" in applications.content


def test_audit_application_filter_leaves_out_row_changes(staff_client, audit_trail):
    Widget.objects.create(name="row-change")
    audit_record("app_probe")
    _drain()
    response = staff_client.get("/admin/auditing/auditevent/?action=application")
    assert b"app_probe" in response.content
    assert b"testapp_widget</td>" not in response.content


def test_audit_search_by_row_id_and_by_actor_id(staff_client, staff):
    from apps.auditing.context import audit_context

    widget = Widget.objects.create(name="searched")
    with audit_context(source="admin", actor_id=999_999, actor_kind="staff"):
        audit_record("by_actor")
    _drain()
    with CaptureQueriesContext(connection) as queries:
        response = staff_client.get(
            f"/admin/auditing/auditevent/?table_name=testapp_widget&q={widget.pk}"
        )
    listed = [q["sql"] for q in queries if 'FROM "auditing_auditevent"' in q["sql"]]
    # A row id is a row id: no OR with actor ids, so the (row_pk, table_name, id) index serves it.
    assert listed and all('"actor_id"' not in sql.split("WHERE")[-1] for sql in listed)
    assert response.content.count(b"testapp_widget</td>") == 1

    response = staff_client.get("/admin/auditing/auditevent/?q=actor:999999")
    assert b"by_actor" in response.content
    assert b"testapp_widget</td>" not in response.content


@pytest.mark.parametrize(
    "term", ["actor:\u00b2", "\u00b2", "actor:" + "9" * 40, "9" * 60]
)
def test_audit_search_with_odd_terms_answers_and_finds_nothing(staff_client, term):
    response = staff_client.get("/admin/auditing/auditevent/", {"q": term})
    assert response.status_code == 200
    assert b"0 audit events" in response.content
