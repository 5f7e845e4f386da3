"""Catalog admin, categories: saved and moved through the services, refusals, history revert."""

from __future__ import annotations

import pytest

from apps.catalog.errors import CategoryMoveInvalid
from apps.catalog.models import (
    Category,
)

from .helpers import (
    CATEGORIES_URL,
)

pytestmark = pytest.mark.django_db


def _category_post(category, **overrides):
    return {
        "name": category.name,
        "parent": category.parent_id or "",
        "position": category.position,
        "description": category.description,
        "seo_title": "",
        "seo_description": "",
        **overrides,
    }


def test_category_add_goes_through_the_service(admin_client_staff, tree, staff):
    response = admin_client_staff.post(
        CATEGORIES_URL + "add/",
        _category_post(Category(name="T-Shirts", position=2), parent=tree["shirts"].pk),
    )
    assert response.status_code == 302
    added = Category.objects.get(name="T-Shirts")
    assert (added.slug, added.depth, added.position) == ("t-shirts", 2, 2)
    assert added.path == f"{tree['shirts'].path}{added.pk}/"
    assert added.history.latest().history_user_id == staff.pk


def test_category_parent_change_moves_the_subtree(admin_client_staff, tree, staff):
    shirts, shoes = tree["shirts"], tree["shoes"]
    response = admin_client_staff.post(
        f"{CATEGORIES_URL}{shirts.pk}/change/",
        _category_post(shirts, parent=shoes.pk, name="Shirts & Tops"),
    )
    assert response.status_code == 302
    shirts.refresh_from_db()
    polos = Category.objects.get(pk=tree["polos"].pk)
    assert (shirts.parent_id, shirts.name, shirts.depth) == (
        shoes.pk,
        "Shirts & Tops",
        1,
    )
    assert shirts.path == f"/{shoes.pk}/{shirts.pk}/"
    assert (polos.path, polos.depth) == (f"/{shoes.pk}/{shirts.pk}/{polos.pk}/", 2)
    latest = shirts.history.latest()
    assert (latest.parent_id, latest.path, latest.history_user_id) == (
        shoes.pk,
        shirts.path,
        staff.pk,
    )


def test_category_revert_from_history_moves_the_subtree_back(admin_client_staff, tree):
    clothing, shirts, shoes = tree["clothing"], tree["shirts"], tree["shoes"]
    first = shirts.history.earliest()
    admin_client_staff.post(
        f"{CATEGORIES_URL}{shirts.pk}/change/", _category_post(shirts, parent=shoes.pk)
    )
    url = f"{CATEGORIES_URL}{shirts.pk}/history/{first.history_id}/"
    assert admin_client_staff.get(url).status_code == 200
    response = admin_client_staff.post(url, _category_post(shirts, parent=clothing.pk))
    assert response.status_code == 302
    shirts.refresh_from_db()
    assert (shirts.parent_id, shirts.path) == (
        clothing.pk,
        f"/{clothing.pk}/{shirts.pk}/",
    )
    polos = Category.objects.get(pk=tree["polos"].pk)
    assert polos.path == f"/{clothing.pk}/{shirts.pk}/{polos.pk}/"


def test_category_parent_change_under_a_descendant_is_refused(
    admin_client_staff, tree, audit_trail
):
    clothing, polos = tree["clothing"], tree["polos"]
    before = list(
        Category.objects.values_list("pk", "parent_id", "path", "depth", "name")
    )
    response = admin_client_staff.post(
        f"{CATEGORIES_URL}{clothing.pk}/change/",
        _category_post(clothing, parent=polos.pk, name="Renamed"),
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["parent"] == [
        CategoryMoveInvalid.default_message
    ]
    assert CategoryMoveInvalid.default_message.encode() in response.content
    assert (
        list(Category.objects.values_list("pk", "parent_id", "path", "depth", "name"))
        == before
    )
    assert audit_trail.events(table_name="catalog_category") == []


def test_category_with_children_or_products_cannot_be_deleted(
    admin_client_staff, tree, shirt
):
    refused = admin_client_staff.post(
        f"{CATEGORIES_URL}{tree['clothing'].pk}/delete/", {"post": "yes"}
    )
    assert refused.status_code == 200
    assert "Category: Shirts" in refused.content.decode()
    assert Category.objects.filter(pk=tree["clothing"].pk).exists()
    admin_client_staff.post(
        CATEGORIES_URL,
        {
            "action": "delete_selected",
            "_selected_action": [tree["shoes"].pk],
            "post": "yes",
        },
    )
    assert Category.deleted_objects.filter(pk=tree["shoes"].pk).exists()


def test_move_selected_action_moves_each_subtree_once(admin_client_staff, tree):
    shirts, polos, shoes = tree["shirts"], tree["polos"], tree["shoes"]
    ask = admin_client_staff.post(
        CATEGORIES_URL,
        {"action": "move_selected", "_selected_action": [shirts.pk, polos.pk]},
    )
    assert ask.status_code == 200 and b"New parent" in ask.content
    admin_client_staff.post(
        CATEGORIES_URL,
        {
            "action": "move_selected",
            "_selected_action": [shirts.pk, polos.pk],
            "apply": "Move",
            "parent": shoes.pk,
        },
    )
    assert (
        Category.objects.get(pk=polos.pk).path == f"/{shoes.pk}/{shirts.pk}/{polos.pk}/"
    )
    refused = admin_client_staff.post(
        CATEGORIES_URL,
        {
            "action": "move_selected",
            "_selected_action": [shoes.pk],
            "apply": "Move",
            "parent": polos.pk,
        },
        follow=True,
    )
    assert CategoryMoveInvalid.default_message in [
        str(m) for m in refused.context["messages"]
    ]
    assert Category.objects.get(pk=shoes.pk).path == f"/{shoes.pk}/"
