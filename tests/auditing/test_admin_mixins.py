"""The back office's one error boundary, on every ModelAdmin: a ShopError is a message."""

from __future__ import annotations

import inspect

import pytest
from django.contrib import admin
from django.contrib.admin.options import InlineModelAdmin
from django.test import RequestFactory

from apps.auditing.admin_mixins import ShopErrorAdminMixin
from apps.catalog.admin import CategoryAdmin
from apps.catalog.errors import CategoryNotEmpty
from apps.catalog.models import Category
from apps.inventory.models import PurchaseOrder, PurchaseOrderLine, Supplier, Warehouse
from tests.catalog.factories import CategoryFactory, ProductVariantFactory

pytestmark = pytest.mark.django_db

PROJECT = ("apps.", "tests.testapp.")


def _project_admins():
    return [
        (model, model_admin)
        for model, model_admin in admin.site._registry.items()
        if model.__module__.startswith(PROJECT)
    ]


def _ours(model_admin, name: str) -> bool:
    """Whether the project, not Django or simple-history, defines this method."""
    for cls in type(model_admin).__mro__:
        if name in vars(cls):
            return cls.__module__.startswith(PROJECT)
    return False


@pytest.fixture
def po(db):
    variant = ProductVariantFactory()
    order = PurchaseOrder.objects.create(
        supplier=Supplier.objects.create(name="Acme"),
        warehouse=Warehouse.objects.create(code="po", name="PO"),
    )
    PurchaseOrderLine.objects.create(purchase_order=order, variant=variant, quantity=3)
    return order


def _po_post(order, **overrides):
    return {
        "supplier": order.supplier_id,
        "warehouse": order.warehouse_id,
        "expected_date": "",
        "note": "",
        "lines-TOTAL_FORMS": "0",
        "lines-INITIAL_FORMS": "0",
        **overrides,
    }


def test_every_project_model_admin_has_the_error_mixin():
    admins = _project_admins()
    assert len(admins) >= 20
    assert [
        type(a).__name__ for _, a in admins if not isinstance(a, ShopErrorAdminMixin)
    ] == []


def test_every_admin_write_goes_through_the_project_code(staff):
    """Where the admin can add, change or delete, the project saves and deletes (services),
    never Django's own `obj.save()`, `formset.save()` or `queryset.delete()`."""
    request = RequestFactory().get("/admin/")
    request.user = staff
    missing = []
    for model, model_admin in _project_admins():
        if not model.__module__.startswith("apps."):
            continue  # the kernel's test models save as Django does
        name = type(model_admin).__name__
        writes = model_admin.has_add_permission(
            request
        ) or model_admin.has_change_permission(request)
        if writes and not _ours(model_admin, "save_model"):
            missing.append(f"{name}.save_model")
        inlines = [
            inline
            for inline in model_admin.get_inline_instances(request)
            if isinstance(inline, InlineModelAdmin)
            and (
                inline.has_add_permission(request, None)
                or inline.has_change_permission(request)
                or inline.has_delete_permission(request)
            )
        ]
        if writes and inlines and not _ours(model_admin, "save_formset"):
            missing.append(f"{name}.save_formset")
        if model_admin.has_delete_permission(request):
            for method in ("delete_model", "delete_queryset"):
                if not _ours(model_admin, method):
                    missing.append(f"{name}.{method}")
    assert missing == []


def test_a_refused_change_form_comes_back_with_the_message_and_saves_nothing(
    admin_client_staff, po
):
    PurchaseOrder.objects.filter(pk=po.pk).update(status="ordered")
    PurchaseOrder.objects.filter(pk=po.pk).update(status="received")
    response = admin_client_staff.post(
        f"/admin/inventory/purchaseorder/{po.pk}/change/",
        _po_post(po, note="changed after receipt"),
    )
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.non_field_errors() == [
        "This purchase order is received: it cannot be changed."
    ]
    assert form.data["note"] == "changed after receipt"
    assert PurchaseOrder.objects.get(pk=po.pk).note == ""


def test_a_refused_action_is_a_message_and_changes_nothing_at_all(
    admin_client_staff, po
):
    empty = PurchaseOrder.objects.create(supplier=po.supplier, warehouse=po.warehouse)
    response = admin_client_staff.post(
        "/admin/inventory/purchaseorder/",
        {"action": "mark_ordered", "_selected_action": [po.pk, empty.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == [
        "A purchase order needs at least one line to be ordered."
    ]
    # The first order was marked in the same action: rolled back with the refusal.
    assert list(
        PurchaseOrder.objects.filter(pk__in=[po.pk, empty.pk]).values_list(
            "status", flat=True
        )
    ) == ["draft", "draft"]


def test_a_refused_delete_is_a_message_and_deletes_nothing(
    admin_client_staff, monkeypatch
):
    parent = CategoryFactory(name="Parent")
    CategoryFactory(name="Child", parent=parent)
    # As if the child arrived between the confirmation page and the confirmation.
    monkeypatch.setattr(
        CategoryAdmin,
        "get_deleted_objects",
        lambda self, objs, request: ([], {}, set(), []),
    )
    response = admin_client_staff.post(
        f"/admin/catalog/category/{parent.pk}/delete/", {"post": "yes"}, follow=True
    )
    assert response.status_code == 200
    assert CategoryNotEmpty.default_message in [
        str(m) for m in response.context["messages"]
    ]
    assert Category.objects.filter(pk=parent.pk).exists()


def test_the_mixin_catches_only_shop_errors():
    source = inspect.getsource(ShopErrorAdminMixin)
    assert "except ShopError" in source and "except Exception" not in source


def test_a_page_refusing_to_show_goes_up_a_level_instead_of_looping(
    staff_client, monkeypatch
):
    category = CategoryFactory()

    def refuse(self, request, object_id, from_field=None):
        raise CategoryNotEmpty()

    monkeypatch.setattr(CategoryAdmin, "get_object", refuse)
    response = staff_client.get(f"/admin/catalog/category/{category.pk}/change/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/catalog/category/"


def test_inline_deletes_get_the_stored_row_not_the_posted_edits(customer):
    from types import SimpleNamespace

    from apps.accounts.models import Address
    from apps.auditing.admin_mixins import inline_save

    stored = Address.objects.create(
        user=customer,
        kind="shipping",
        is_default=True,
        full_name="C",
        line1="1 Road",
        city="Town",
        postal_code="1",
        country="NL",
    )
    posted = Address.objects.get(pk=stored.pk)
    posted.is_default = False  # unticked in the same post that deletes it
    form = SimpleNamespace(instance=posted, has_changed=lambda: True)
    formset = SimpleNamespace(
        forms=[form], can_delete=True, _should_delete_form=lambda f: True
    )
    deleted = []
    inline_save(formset, save=lambda f: None, delete=deleted.append)
    assert [(a.pk, a.is_default) for a in deleted] == [(stored.pk, True)]
