"""The audit quarantine in the back office: a read-only list, and a retry that moves a
capture into the trail once what kept it out is repaired."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from apps.auditing import services
from apps.auditing.selectors import audit_backlog
from tests.conftest import superuser_sql
from tests.testapp.models import Widget

pytestmark = pytest.mark.django_db(transaction=True)
URL = "/admin/auditing/quarantinedcapture/"


def _drain_all() -> None:
    while services.audit_inbox_drain(batch_size=1000):
        pass


def _scalar(sql: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def _trail_names(marker: int) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT changes->>'name' FROM auditing_auditevent WHERE id > %s"
            " AND table_name = 'testapp_widget' ORDER BY id",
            [marker],
        )
        return [row[0] for row in cursor.fetchall()]


@pytest.fixture
def quarantined():
    """A widget's capture the trail refused (a rule on the trail, since repaired: dropped by
    `repair()`), in the quarantine; the quarantine is emptied afterwards."""
    _drain_all()
    marker = _scalar("SELECT COALESCE(max(id), 0) FROM auditing_auditevent_all")
    superuser_sql(
        "CREATE FUNCTION testapp_trail_refuse() RETURNS trigger LANGUAGE plpgsql AS $$"
        " BEGIN IF NEW.changes->>'name' = 'refused' THEN"
        " RAISE EXCEPTION 'testapp_trail_refuse: not now' USING ERRCODE = 'check_violation';"
        " END IF; RETURN NEW; END $$"
    )
    superuser_sql(
        "CREATE TRIGGER testapp_trail_refuse BEFORE INSERT ON auditing_auditevent"
        " FOR EACH ROW EXECUTE FUNCTION testapp_trail_refuse()"
    )
    repaired = []

    def repair():
        superuser_sql("DROP TRIGGER testapp_trail_refuse ON auditing_auditevent")
        superuser_sql("DROP FUNCTION testapp_trail_refuse()")
        repaired.append(True)

    try:
        Widget.objects.create(name="refused")
        Widget.objects.create(name="behind it")
        _drain_all()
        capture_id = _scalar("SELECT max(id) FROM auditing_auditevent_quarantine")
        assert _trail_names(marker) == ["behind it"]
        yield capture_id, marker, repair
    finally:
        if not repaired:
            repair()
        superuser_sql("DELETE FROM auditing_auditevent_quarantine_moved")
        superuser_sql("DELETE FROM auditing_auditevent_quarantine")


def _retry(client, capture_id):
    return client.post(
        URL, {"action": "retry", "_selected_action": [str(capture_id)]}, follow=True
    )


def test_the_list_shows_each_quarantined_capture_with_its_error(
    quarantined, staff_client, django_assert_max_num_queries
):
    capture_id, _, _ = quarantined
    with django_assert_max_num_queries(8):
        response = staff_client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "testapp_widget" in page and "23514" in page
    assert "testapp_trail_refuse: not now" in page
    assert staff_client.get(f"{URL}{capture_id}/change/").status_code == 200
    assert staff_client.get(f"{URL}add/").status_code == 403


def test_a_retry_moves_a_repaired_capture_into_the_trail_once(
    quarantined, staff_client, audit_trail
):
    capture_id, marker, repair = quarantined
    assert audit_backlog().quarantined == 1

    # given: the cause is still there: refused again, nothing moved
    response = _retry(staff_client, capture_id)
    assert (
        "still refused: 23514: testapp_trail_refuse: not now"
        in response.content.decode()
    )
    assert _trail_names(marker) == ["behind it"]
    assert audit_backlog().quarantined == 1

    # when: it is repaired and the capture retried
    repair()
    response = _retry(staff_client, capture_id)

    # then: its event is in the trail as captured (with its id: before the one behind it),
    # and the capture is no longer reported
    assert f"Moved into the trail: {capture_id}." in response.content.decode()
    assert _trail_names(marker) == ["refused", "behind it"]
    assert audit_backlog().quarantined == 0
    assert staff_client.get("/healthz").json().get("warnings") is None
    assert [e.changes for e in audit_trail.events(action="audit_quarantine_retried")][
        -1
    ] == {"moved": [capture_id], "refused": []}
    # and a second retry moves nothing twice
    response = _retry(staff_client, capture_id)
    assert "moved before" in response.content.decode()
    assert _trail_names(marker) == ["refused", "behind it"]


def test_the_application_can_neither_write_the_trail_nor_mark_a_capture_moved(
    quarantined,
):
    capture_id, _, _ = quarantined
    for statement in (
        "INSERT INTO auditing_auditevent_quarantine_moved (quarantine_id) VALUES (%s)",
        "DELETE FROM auditing_auditevent_quarantine WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(statement, [capture_id])
    assert audit_backlog().quarantined == 1


def test_someone_who_is_not_staff_is_sent_to_sign_in(quarantined, client, customer):
    capture_id, marker, _ = quarantined
    client.force_login(customer)
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    response = client.post(
        URL, {"action": "retry", "_selected_action": [str(capture_id)]}
    )
    assert response.status_code == 302
    assert audit_backlog().quarantined == 1


def test_a_capture_whose_ids_the_trail_holds_with_other_content_is_never_moved(
    audit_trail,
):
    _drain_all()
    Widget.objects.create(name="first")
    _drain_all()
    (first,) = audit_trail.events()
    # A capture clashing with an event the trail holds (same id and time, other content).
    superuser_sql(
        "INSERT INTO auditing_auditevent_inbox (occurred_at, table_name, pk_column, action,"
        " ids, new_rows, actor_kind, source) VALUES (%s, 'testapp_widget', 'id', 'insert',"
        """ ARRAY[%s::bigint], '[{"id": 1, "name": "clash"}]', 'system', 'sql')""",
        [first.occurred_at, first.id],
    )
    try:
        _drain_all()
        capture_id = _scalar("SELECT max(id) FROM auditing_auditevent_quarantine")
        result = services.audit_quarantine_retry(ids=[capture_id])
        assert result.moved == []
        assert result.refused[capture_id].startswith("23505: ")
        assert audit_backlog().quarantined == 1
        widget_events = audit_trail.events(table_name="testapp_widget")
        assert [e.changes["name"] for e in widget_events] == ["first"]
    finally:
        superuser_sql("DELETE FROM auditing_auditevent_quarantine_moved")
        superuser_sql("DELETE FROM auditing_auditevent_quarantine")
