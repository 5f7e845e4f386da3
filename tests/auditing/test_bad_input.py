"""The shared bad-input layer: NUL refused per request, JSON parsed with limits, whole
numbers bounded by their column, one phone rule, ids that are no ids answered 400."""

from __future__ import annotations

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError
from django.urls import reverse

from apps.accounts.forms import ProfileForm
from apps.auditing.formfields import SafeJSONField, integer_field_for
from apps.inventory.models import StockMovement, Supplier
from apps.orders.forms import AddressFields

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "params",
    [{"q": "a\x00"}, {"name__exact": "\x00"}, {"term": "x\x00y"}],
)
def test_a_nul_in_a_query_parameter_is_a_400_page_saying_why(staff_client, params):
    response = staff_client.get(reverse("admin:inventory_supplier_changelist"), params)
    assert response.status_code == 400
    assert "NUL character" in response.content.decode()


def test_a_nul_in_a_posted_field_is_a_400_and_nothing_is_saved(staff_client):
    response = staff_client.post(
        reverse("admin:inventory_supplier_add"),
        {"name": "Acme\x00", "lead_time_days": "3"},
    )
    assert response.status_code == 400
    assert not Supplier.objects.exists()


def test_an_escaped_nul_in_a_json_body_is_a_400(client):
    url = reverse("payments:notification", args=["dummy"])
    response = client.post(url, '{"id": "\\u0000"}', content_type="application/json")
    assert response.status_code == 400
    # an escaped backslash before "u0000" is no NUL
    response = client.post(url, '{"id": "\\\\u0000"}', content_type="application/json")
    assert response.status_code != 400 or "NUL" not in response.content.decode()


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ('{"a": "\\u0000"}', "nul"),
        ('{"\\u0000": 1}', "nul"),
        ("9" * 5000, "number_too_long"),
        ('{"a": ' + "9" * 19 + "}", "number_too_long"),
        ('{"a": NaN}', "not_a_number"),
        ('{"a": 1e999}', "number_too_large"),
        ("[" * 5000 + "]" * 5000, "too_deep"),
        ("[" * 40 + "]" * 40, "too_deep"),
        ("{", "invalid"),
    ],
)
def test_safe_json_field_refuses_what_the_database_or_python_cannot_hold(text, code):
    with pytest.raises(ValidationError) as exc:
        SafeJSONField().clean(text)
    assert exc.value.code == code


def test_safe_json_field_keeps_ordinary_json_and_redraws_bad_json():
    field = SafeJSONField()
    assert field.clean('{"a": [1, 2.5, "x"], "b": null}') == {
        "a": [1, 2.5, "x"],
        "b": None,
    }
    assert str(field.bound_data("9" * 5000, None)) == "9" * 5000


def test_integer_field_for_carries_the_column_range():
    field = integer_field_for(StockMovement._meta.get_field("quantity"))
    assert (field.min_value, field.max_value) == (-(2**31), 2**31 - 1)
    with pytest.raises(ValidationError):
        field.clean(str(2**31))
    tighter = integer_field_for(
        StockMovement._meta.get_field("quantity"), min_value=1, max_value=10**12
    )
    assert (tighter.min_value, tighter.max_value) == (1, 2**31 - 1)


def test_admin_number_fields_are_bounded_by_their_column(staff_client):
    response = staff_client.get(reverse("admin:inventory_supplier_add"))
    field = response.context["adminform"].form.fields["lead_time_days"]
    assert (field.min_value, field.max_value) == (0, 32767)
    response = staff_client.post(
        reverse("admin:inventory_supplier_add"),
        {"name": "Acme", "lead_time_days": str(2**15)},
    )
    assert response.status_code == 200
    assert not Supplier.objects.exists()


def test_one_phone_rule_for_the_profile_the_checkout_and_the_models():
    assert not ProfileForm({"full_name": "A", "phone": "abc"}).is_valid()
    assert ProfileForm({"full_name": "A", "phone": "+49 30 1234-567"}).is_valid()
    address = {
        "full_name": "A",
        "line1": "Street 1",
        "postal_code": "10115",
        "city": "Berlin",
        "country": "DE",
    }
    assert not AddressFields({**address, "phone": "abc"}).is_valid()
    assert AddressFields({**address, "phone": "(030) 123 456"}).is_valid()
    with pytest.raises(ValidationError) as exc:
        Supplier(name="Acme", phone="abc").full_clean()
    assert "phone" in exc.value.message_dict


def test_an_action_on_ids_that_are_no_ids_is_refused_and_changes_nothing(
    staff_client, audit_trail
):
    changelist = reverse("admin:inventory_supplier_changelist")
    for ids in (["abc"], [str(2**63)], ["1", "1.5"]):
        response = staff_client.post(
            changelist,
            {"action": "delete_selected", ACTION_CHECKBOX_NAME: ids, "index": "0"},
            follow=True,
        )
        # back on the list with the reason (the admin's way of answering BadInput)
        assert response.redirect_chain == [(changelist, 302)]
        assert [str(m) for m in response.context["messages"]] == [
            f"{ids[-1]!r} is not the id of a supplier."
        ]
    assert audit_trail.events() == []


def test_history_pages_of_ids_that_are_no_ids_are_a_400(staff_client):
    assert staff_client.get("/admin/catalog/product/abc/history/").status_code == 400
    assert staff_client.get("/admin/catalog/product/1/history/abc/").status_code == 400
    assert (
        staff_client.get(f"/admin/catalog/product/{2**63}/history/1/").status_code
        == 400
    )
