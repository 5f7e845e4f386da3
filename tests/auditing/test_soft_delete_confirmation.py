"""The admin's delete confirmation of a soft-deletable row says it can be restored, and for
how long (SOFT_DELETE_RETENTION_DAYS); nothing is deleted until it is confirmed."""

from __future__ import annotations

import pytest

from tests.testapp.models import Widget

pytestmark = pytest.mark.django_db
URL = "/admin/testapp/widget/"


def test_the_delete_page_says_the_row_can_be_restored_and_for_how_long(
    staff_client, settings
):
    settings.SOFT_DELETE_RETENTION_DAYS = 45
    widget = Widget.objects.create(name="lamp")
    page = staff_client.get(f"{URL}{widget.pk}/delete/").content.decode()
    assert "can be restored from this list's “Deleted” filter for 45 days" in page
    assert "Its parts are deleted with it, and restored with it." in page
    assert "will be deleted" not in page
    assert Widget.objects.filter(pk=widget.pk).exists()
    # confirming soft-deletes it: restorable
    assert (
        staff_client.post(f"{URL}{widget.pk}/delete/", {"post": "yes"}).status_code
        == 302
    )
    assert Widget.deleted_objects.filter(pk=widget.pk).exists()


def test_the_delete_selected_page_says_the_rows_can_be_restored(staff_client, settings):
    settings.SOFT_DELETE_RETENTION_DAYS = 1
    widgets = [Widget.objects.create(name=n) for n in ("a", "b")]
    page = staff_client.post(
        URL,
        {"action": "delete_selected", "_selected_action": [w.pk for w in widgets]},
    ).content.decode()
    assert "can be restored from this list's “Deleted” filter for 1 day." in page
    assert "will be deleted" not in page
    assert Widget.objects.count() == 2
