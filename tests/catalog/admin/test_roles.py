"""Catalog admin and roles: who may run the product back office."""

from __future__ import annotations

import pytest

from apps.accounts import services as account_services
from apps.accounts.models import Role
from apps.catalog.models import (
    Product,
)

from .helpers import (
    CATEGORIES_URL,
    PRODUCTS_URL,
    product_post,
)

pytestmark = pytest.mark.django_db


def _sign_in_with_role(client, django_user_model, capture_on_commit, role_name):
    person = django_user_model.objects.create_user(
        email="kim@example.com", password="x"
    )
    with capture_on_commit(execute=True):  # the permission cache version bump
        account_services.role_grant(user=person, role=Role.objects.get(name=role_name))
    client.force_login(person)
    return person


def test_catalog_manager_runs_the_product_back_office(
    client, django_user_model, django_capture_on_commit_callbacks, shirt
):
    _sign_in_with_role(
        client, django_user_model, django_capture_on_commit_callbacks, "Catalog manager"
    )
    response = client.get(PRODUCTS_URL)
    assert response.status_code == 200
    actions = {
        name for name, _ in response.context["action_form"].fields["action"].choices
    }
    assert {"activate", "archive", "export_products", "export_prices"} <= actions
    assert client.get(PRODUCTS_URL + "import/").status_code == 200
    response = client.post(
        f"{PRODUCTS_URL}{shirt.pk}/change/", product_post(shirt, name="Navy")
    )
    assert response.status_code == 302
    assert Product.objects.get(pk=shirt.pk).name == "Navy"


@pytest.mark.parametrize("role_name", ["Staff", "Warehouse"])
def test_other_roles_cannot_change_the_catalog(
    client, django_user_model, django_capture_on_commit_callbacks, shirt, role_name
):
    _sign_in_with_role(
        client, django_user_model, django_capture_on_commit_callbacks, role_name
    )
    if role_name == "Staff":  # no catalog permission at all
        assert client.get(PRODUCTS_URL).status_code == 403
    response = client.post(
        f"{PRODUCTS_URL}{shirt.pk}/change/", product_post(shirt, name="Navy")
    )
    assert response.status_code == 403
    assert client.get(PRODUCTS_URL + "import/").status_code == 403
    assert client.get(CATEGORIES_URL + "add/").status_code == 403
    assert Product.objects.get(pk=shirt.pk).name == "Blue Shirt"
