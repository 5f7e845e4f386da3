"""Soft delete: gone from normal queries, restorable, unique among alive rows only."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from apps.auditing.errors import RestoreConflict
from tests.testapp.models import Part, Widget

pytestmark = pytest.mark.django_db


def test_raw_delete_soft_deletes():
    widget = Widget.objects.create(name="raw")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM testapp_widget WHERE id = %s", [widget.pk])
        assert cursor.rowcount == 0  # the row stays
    widget = Widget.all_objects.get(pk=widget.pk)
    assert widget.deleted_at is not None
    assert not Widget.objects.filter(pk=widget.pk).exists()
    assert Widget.deleted_objects.filter(pk=widget.pk).exists()


def test_raw_delete_of_an_already_deleted_row_keeps_its_deletion_time():
    widget = Widget.objects.create(name="twice")
    widget.soft_delete()
    first = Widget.all_objects.get(pk=widget.pk).deleted_at
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM testapp_widget WHERE id = %s", [widget.pk])
    assert Widget.all_objects.get(pk=widget.pk).deleted_at == first


def test_model_and_queryset_delete_soft_delete():
    a, b, c = (Widget.objects.create(name=n) for n in "abc")
    a.delete()
    count, _ = Widget.objects.filter(name__in=["b", "c"]).delete()
    assert count == 2
    assert Widget.objects.count() == 0
    assert Widget.all_objects.count() == 3
    assert set(Widget.deleted_objects.values_list("name", flat=True)) == {"a", "b", "c"}


def test_managers_split_alive_and_deleted():
    alive = Widget.objects.create(name="alive")
    dead = Widget.objects.create(name="dead")
    dead.soft_delete()
    assert list(Widget.objects.all()) == [alive]
    assert list(Widget.deleted_objects.all()) == [dead]
    assert set(Widget.all_objects.all()) == {alive, dead}
    assert Widget._default_manager is Widget.objects


def test_restore_brings_back_row_and_children_deleted_with_it():
    widget = Widget.objects.create(name="parent")
    kept_deleted = Part.objects.create(widget=widget, label="deleted earlier")
    kept_deleted.soft_delete()
    child = Part.objects.create(widget=widget, label="child")
    widget.soft_delete()
    assert Part.objects.filter(pk=child.pk).count() == 0
    Widget.all_objects.get(pk=widget.pk).restore()
    assert Widget.objects.filter(pk=widget.pk).exists()
    assert Part.objects.filter(pk=child.pk).exists()
    assert not Part.objects.filter(pk=kept_deleted.pk).exists()


def test_uniqueness_holds_among_alive_rows_only():
    first = Widget.objects.create(name="unique")
    with pytest.raises(IntegrityError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO testapp_widget (name, colour, price, secret) VALUES ('unique', '', 0, '')"
            )
    first.soft_delete()
    second = Widget.objects.create(name="unique")
    assert second.pk != first.pk


def test_restore_refuses_a_duplicate_with_a_clear_message():
    first = Widget.objects.create(name="taken")
    first.soft_delete()
    Widget.objects.create(name="taken")
    first = Widget.all_objects.get(pk=first.pk)
    with pytest.raises(
        RestoreConflict, match="cannot be restored.*testapp_widget_name_unique_alive"
    ):
        first.restore()
    assert Widget.all_objects.get(pk=first.pk).deleted_at is not None


def test_queryset_restore_is_all_or_nothing():
    ok = Widget.objects.create(name="ok")
    clash = Widget.objects.create(name="clash")
    Widget.objects.filter(pk__in=[ok.pk, clash.pk]).delete()
    Widget.objects.create(name="clash")
    with pytest.raises(RestoreConflict):
        Widget.deleted_objects.filter(pk__in=[ok.pk, clash.pk]).restore()
    assert Widget.deleted_objects.filter(pk__in=[ok.pk, clash.pk]).count() == 2


def test_child_of_soft_deletable_parent_is_protected_from_hard_delete():
    widget = Widget.objects.create(name="protected")
    Part.objects.create(widget=widget, label="p")
    from django.db.models import ProtectedError

    with pytest.raises((ProtectedError, IntegrityError)), transaction.atomic():
        Widget.all_objects.filter(pk=widget.pk).hard_delete()
    assert Widget.all_objects.filter(pk=widget.pk).exists()
