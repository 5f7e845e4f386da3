"""The accounts back office writes through the services: users, passwords, addresses, roles."""

from __future__ import annotations

import pytest

from apps.accounts import services
from apps.accounts.errors import RoleCycle
from apps.accounts.models import Address, Role, User
from tests.accounts.factories import AddressFactory, UserFactory

pytestmark = pytest.mark.django_db


def _add_data(**overrides):
    return {
        "email": "added@example.com",
        "full_name": "Added Person",
        "usable_password": "true",
        "password1": "a long enough secret 42",
        "password2": "a long enough secret 42",
        "role_grants-TOTAL_FORMS": "0",
        "role_grants-INITIAL_FORMS": "0",
        "addresses-TOTAL_FORMS": "0",
        "addresses-INITIAL_FORMS": "0",
        **overrides,
    }


def test_user_add_goes_through_the_service(admin_client_staff, staff):
    response = admin_client_staff.post("/admin/accounts/user/add/", _add_data())
    assert response.status_code == 302
    added = User.objects.get(email="added@example.com")
    assert (added.full_name, added.check_password("a long enough secret 42")) == (
        "Added Person",
        True,
    )
    assert added.history.latest().history_user_id == staff.pk


def test_password_page_sets_the_password_through_the_service(
    admin_client_staff, audit_trail
):
    user = UserFactory()
    response = admin_client_staff.post(
        f"/admin/accounts/user/{user.pk}/password/",
        {
            "usable_password": "true",
            "password1": "set by staff 12345",
            "password2": "set by staff 12345",
        },
    )
    assert response.status_code == 302
    assert User.objects.get(pk=user.pk).check_password("set by staff 12345")
    (event,) = audit_trail.events(action="password_change")
    assert event.changes == {"by_staff": True, "usable": True}


def test_address_inline_edits_go_through_the_services(admin_client_staff):
    user = UserFactory()
    home = AddressFactory(user=user, is_default=True, city="Berlin")
    data = {
        "email": user.email,
        "full_name": user.full_name,
        "phone": "",
        "preferences": "{}",
        "is_active": "on",
        "role_grants-TOTAL_FORMS": "0",
        "role_grants-INITIAL_FORMS": "0",
        "addresses-TOTAL_FORMS": "2",
        "addresses-INITIAL_FORMS": "1",
    }
    for i, row in enumerate(
        [
            {"id": home.pk, "city": "Hamburg", "is_default": "on"},
            {"city": "Munich", "is_default": "on"},
        ]
    ):
        base = {
            "kind": "shipping",
            "full_name": "Someone",
            "line1": "Street 1",
            "postal_code": "10115",
            "country": "DE",
            "user": user.pk,
        }
        for key, value in {**base, **row}.items():
            data[f"addresses-{i}-{key}"] = value
    response = admin_client_staff.post(f"/admin/accounts/user/{user.pk}/change/", data)
    assert response.status_code == 302, response.context["inline_admin_formsets"]
    rows = list(
        Address.objects.filter(user=user)
        .order_by("pk")
        .values_list("city", "is_default")
    )
    assert rows == [("Hamburg", False), ("Munich", True)]


def test_role_refused_by_the_database_shows_the_form_again(
    admin_client_staff, monkeypatch
):
    parent = Role.objects.create(name="Parent")
    child = Role.objects.create(name="Child", parent=parent)
    # Past the form's own check, as a concurrent edit would be: the trigger refuses.
    monkeypatch.setattr(services, "role_validate_parent", lambda role, parent: None)
    response = admin_client_staff.post(
        f"/admin/accounts/role/{parent.pk}/change/",
        {"name": "Parent", "description": "", "parent": child.pk},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [
        RoleCycle.default_message
    ]
    assert Role.objects.get(pk=parent.pk).parent_id is None


def test_role_delete_action_goes_through_the_service(admin_client_staff, staff):
    role = Role.objects.create(name="Granted")
    free = Role.objects.create(name="Free")
    services.role_grant(user=UserFactory(), role=role, actor=staff)
    response = admin_client_staff.post(
        "/admin/accounts/role/",
        {"action": "delete_selected", "_selected_action": [free.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert list(
        Role.objects.filter(name__in=["Granted", "Free"]).values_list("name", flat=True)
    ) == ["Granted"]


def test_address_inline_ticking_another_default_switches_it(admin_client_staff):
    user = UserFactory()
    first = AddressFactory(user=user, is_default=True, city="Berlin")
    second = AddressFactory(user=user, is_default=False, city="Bonn")
    data = {
        "email": user.email,
        "full_name": user.full_name,
        "phone": "",
        "preferences": "{}",
        "is_active": "on",
        "role_grants-TOTAL_FORMS": "0",
        "role_grants-INITIAL_FORMS": "0",
        "addresses-TOTAL_FORMS": "2",
        "addresses-INITIAL_FORMS": "2",
    }
    for i, (address, default) in enumerate([(first, ""), (second, "on")]):
        row = {
            "id": address.pk,
            "user": user.pk,
            "kind": address.kind,
            "full_name": address.full_name,
            "line1": address.line1,
            "postal_code": address.postal_code,
            "city": address.city,
            "country": address.country,
            "is_default": default,
        }
        for key, value in row.items():
            data[f"addresses-{i}-{key}"] = value
    response = admin_client_staff.post(f"/admin/accounts/user/{user.pk}/change/", data)
    assert response.status_code == 302
    assert list(
        Address.objects.filter(user=user)
        .order_by("pk")
        .values_list("is_default", flat=True)
    ) == [False, True]
