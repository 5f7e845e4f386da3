"""Rows created in bulk (seeds, imports) get their first staff-history entry like saved rows."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.apps import apps
from django.db import transaction

from apps.auditing.context import audit_context
from apps.auditing.history import (
    bulk_create_with_history,
    copy_with_history,
    has_history,
    ids_reserve,
)
from tests.testapp.models import Plain, Widget

ROOT = Path(__file__).resolve().parents[2]
MANAGERS = {"objects", "all_objects", "_default_manager", "_base_manager"}


@pytest.mark.django_db
def test_bulk_created_rows_get_an_initial_history_entry_with_the_actor(customer):
    with audit_context(source="command", actor_id=customer.pk, actor_kind="staff"):
        widgets = bulk_create_with_history(
            Widget, [Widget(name="a", colour="red"), Widget(name="b", colour="blue")]
        )
    for widget in widgets:
        entry = widget.history.get()
        assert (entry.history_type, entry.name, entry.history_user_id) == (
            "+",
            widget.name,
            customer.pk,
        )


@pytest.mark.django_db
def test_bulk_created_rows_of_a_model_without_history_are_created_plainly():
    assert not has_history(Plain)
    rows = bulk_create_with_history(Plain, [Plain(value=1), Plain(value=2)])
    assert [row.pk is not None for row in rows] == [True, True]
    assert Plain.objects.count() == 2


def _history_model_names() -> set[str]:
    return {
        model.__name__
        for model in apps.get_models()
        if model.__module__.startswith("apps.") and has_history(model)
    }


def _plain_bulk_creates(source: str, names: set[str]) -> list[str]:
    """`Model.objects.bulk_create(...)` calls on a model with history, in `source`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "bulk_create"
        ):
            continue
        manager = node.func.value
        if (
            isinstance(manager, ast.Attribute)
            and manager.attr in MANAGERS
            and isinstance(manager.value, ast.Name)
            and manager.value.id in names
        ):
            found.append(f"{manager.value.id} (line {node.lineno})")
    return found


def test_no_app_bulk_creates_a_model_with_history_without_its_history():
    names = _history_model_names()
    assert {"Product", "ProductVariant", "Price", "User", "Role"} <= names
    offenders = {
        str(path.relative_to(ROOT)): found
        for path in sorted((ROOT / "apps").rglob("*.py"))
        if "migrations" not in path.parts
        and (found := _plain_bulk_creates(path.read_text(), names))
    }
    assert offenders == {}, "use apps.auditing.history.bulk_create_with_history"


def test_the_bulk_create_check_finds_a_plain_bulk_create():
    source = "Product.objects.bulk_create(rows)\nStock.objects.bulk_create(rows)\n"
    assert _plain_bulk_creates(source, {"Product"}) == ["Product (line 1)"]


@pytest.mark.django_db
def test_copied_rows_get_an_initial_history_entry_and_are_audited_as_the_context(
    customer, audit_trail
):
    # given two widgets written by COPY with ids taken from their sequence
    with (
        audit_context(source="command", actor_id=customer.pk, actor_kind="staff"),
        transaction.atomic(),
    ):
        ids = ids_reserve(Widget, 2)
        copy_with_history(
            Widget, ("id", "name", "colour"), [(ids[0], "a", "red"), (ids[1], "b", "")]
        )
    # then they are there, with the fields' defaults for what was not given
    widgets = list(Widget.objects.filter(pk__in=ids).order_by("pk"))
    assert [(w.name, w.colour, w.price, w.deleted_at) for w in widgets] == [
        ("a", "red", 0, None),
        ("b", "", 0, None),
    ]
    # each with its first history entry naming the actor
    for widget in widgets:
        entry = widget.history.get()
        assert (entry.history_type, entry.name, entry.history_user_id) == (
            "+",
            widget.name,
            customer.pk,
        )
    # and the audit trigger captured the COPY with the context sent before it
    events = audit_trail.events(table_name="testapp_widget")
    assert [(e.action, e.row_pk, e.source, e.actor_id) for e in events] == [
        ("insert", str(ids[0]), "command", customer.pk),
        ("insert", str(ids[1]), "command", customer.pk),
    ]


@pytest.mark.django_db
def test_copy_with_history_refuses_rows_without_ids_and_writes_nothing():
    with pytest.raises(ValueError, match="ids"), transaction.atomic():
        copy_with_history(Widget, ("name",), [("a",)])
    assert not Widget.objects.exists()
    assert not Widget.history.model.objects.exists()


@pytest.mark.django_db
def test_copied_rows_of_a_model_without_history_take_ids_from_their_sequence():
    with transaction.atomic():
        copy_with_history(Plain, ("value",), [(1,), (2,)])
    assert sorted(Plain.objects.values_list("value", flat=True)) == [1, 2]
