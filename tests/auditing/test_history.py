"""Staff history records who changed master data, from the admin and from tasks."""

from __future__ import annotations

import pytest

from apps.auditing.context import audit_context
from tests.testapp.models import Widget

pytestmark = pytest.mark.django_db


def test_admin_edit_records_history_with_staff_actor(staff_client, staff):
    widget = Widget.objects.create(name="hist", colour="red")
    response = staff_client.post(
        f"/admin/testapp/widget/{widget.pk}/change/",
        {"name": "hist", "colour": "blue", "price": "2.00", "secret": ""},
    )
    assert response.status_code == 302
    latest = widget.history.latest()
    assert (latest.history_type, latest.colour, latest.history_user_id) == (
        "~",
        "blue",
        staff.pk,
    )
    assert latest.history_user == staff


def test_task_context_records_history_actor(customer):
    with audit_context(source="task", actor_id=customer.pk, actor_kind="customer"):
        widget = Widget.objects.create(name="from-task")
    assert widget.history.get().history_user_id == customer.pk


def test_change_without_actor_records_no_user():
    widget = Widget.objects.create(name="anonymous")
    assert widget.history.get().history_user_id is None


def test_admin_history_page_and_revert(staff_client):
    widget = Widget.objects.create(name="revert", colour="red")
    widget.colour = "blue"
    widget.save()
    first = widget.history.earliest()
    response = staff_client.get(f"/admin/testapp/widget/{widget.pk}/history/")
    assert response.status_code == 200 and b"revert" in response.content.lower()
    response = staff_client.post(
        f"/admin/testapp/widget/{widget.pk}/history/{first.history_id}/",
        {"name": "revert", "colour": "red", "price": "0.00", "secret": ""},
    )
    assert response.status_code == 302
    widget.refresh_from_db()
    assert widget.colour == "red"
