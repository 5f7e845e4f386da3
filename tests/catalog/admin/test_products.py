"""Catalog admin, products: add, rename, revert, actions, soft delete, variant and image inlines."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.catalog import services
from apps.catalog.errors import SkuTaken
from apps.catalog.models import (
    Price,
    Product,
    ProductImage,
    ProductSlug,
    ProductVariant,
)

from .helpers import (
    PRODUCTS_URL,
    counts,
    make_product,
    png,
    product_post,
)

pytestmark = pytest.mark.django_db


def test_product_add_makes_a_slug_and_history_with_the_staff_actor(
    admin_client_staff, tree, shirt_type, staff
):
    data = product_post(
        name="Linen Shirt",
        category=tree["shirts"].pk,
        product_type=shirt_type.pk,
        variants=[
            (
                0,
                {
                    "sku": "LS-1",
                    "name": "S",
                    "is_active": "on",
                    "weight_grams": 200,
                    "position": 0,
                    "price": "35.50",
                },
            ),
        ],
    )
    response = admin_client_staff.post(PRODUCTS_URL + "add/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    product = Product.objects.get(name="Linen Shirt")
    assert product.slug == "linen-shirt"
    assert product.min_price == Decimal("35.50")
    assert product.variants.get().prices.get().amount == Decimal("35.50")
    assert product.history.latest().history_user_id == staff.pk


def test_product_rename_gives_a_new_slug_and_keeps_the_old_one(
    admin_client_staff, shirt, staff
):
    response = admin_client_staff.post(
        f"{PRODUCTS_URL}{shirt.pk}/change/", product_post(shirt, name="Navy Shirt")
    )
    assert response.status_code == 302
    shirt.refresh_from_db()
    assert (shirt.name, shirt.slug) == ("Navy Shirt", "navy-shirt")
    assert ProductSlug.objects.get(slug="blue-shirt").product_id == shirt.pk
    latest = shirt.history.latest()
    assert (latest.name, latest.history_user_id) == ("Navy Shirt", staff.pk)


def test_product_revert_from_history_goes_through_the_services(
    admin_client_staff, shirt
):
    first = shirt.history.earliest()
    services.product_update(product=shirt, name="Navy Shirt")
    page = admin_client_staff.get(f"{PRODUCTS_URL}{shirt.pk}/history/")
    assert page.status_code == 200
    url = f"{PRODUCTS_URL}{shirt.pk}/history/{first.history_id}/"
    assert admin_client_staff.get(url).status_code == 200
    post = product_post(shirt, name="Blue Shirt")
    response = admin_client_staff.post(
        url, {k: v for k, v in post.items() if "-" not in k}
    )
    assert response.status_code == 302
    shirt.refresh_from_db()
    assert (shirt.name, shirt.slug) == ("Blue Shirt", "blue-shirt")
    assert ProductSlug.objects.get(slug="navy-shirt").product_id == shirt.pk
    assert not ProductSlug.objects.filter(slug="blue-shirt").exists()


def test_product_attributes_are_validated_next_to_the_field(admin_client_staff, shirt):
    response = admin_client_staff.post(
        f"{PRODUCTS_URL}{shirt.pk}/change/",
        product_post(shirt, name="Changed", attributes='{"size": ["S", "M"]}'),
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["attributes"]
    assert "must be text" in errors[0]
    shirt.refresh_from_db()
    assert (shirt.name, shirt.attributes) == ("Blue Shirt", {})


def test_activate_and_archive_actions(admin_client_staff, tree, shirt_type, shirt):
    other = make_product("Red Shirt", tree["shirts"], shirt_type)
    admin_client_staff.post(
        PRODUCTS_URL, {"action": "activate", "_selected_action": [shirt.pk, other.pk]}
    )
    assert set(Product.objects.values_list("status", flat=True)) == {"active"}
    admin_client_staff.post(
        PRODUCTS_URL, {"action": "archive", "_selected_action": [other.pk]}
    )
    assert dict(Product.objects.values_list("name", "status")) == {
        "Blue Shirt": "active",
        "Red Shirt": "archived",
    }


def test_admin_delete_soft_deletes_and_restore_brings_back(admin_client_staff, shirt):
    response = admin_client_staff.post(
        f"{PRODUCTS_URL}{shirt.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    assert Product.deleted_objects.filter(pk=shirt.pk).exists()
    assert ProductVariant.deleted_objects.filter(product=shirt).count() == 2
    assert list(admin_client_staff.get(PRODUCTS_URL).context["cl"].result_list) == []
    deleted = admin_client_staff.get(PRODUCTS_URL + "?state=deleted")
    assert list(deleted.context["cl"].result_list) == [shirt]
    admin_client_staff.post(
        PRODUCTS_URL + "?state=deleted",
        {"action": "restore_selected", "_selected_action": [shirt.pk]},
    )
    assert Product.objects.filter(pk=shirt.pk).exists()
    assert ProductVariant.objects.filter(product=shirt).count() == 2
    admin_client_staff.post(
        PRODUCTS_URL + "?q=BS-M",
        {"action": "delete_selected", "_selected_action": [shirt.pk], "post": "yes"},
    )
    assert Product.deleted_objects.filter(pk=shirt.pk).exists()


def test_variant_inline_adds_a_variant_with_its_price(admin_client_staff, shirt):
    data = product_post(
        shirt,
        variants=[
            (0, {"price": "18.00"}),
            (
                2,
                {
                    "sku": "BS-S",
                    "name": "S",
                    "is_active": "on",
                    "weight_grams": 180,
                    "position": 2,
                    "price": "19.00",
                },
            ),
        ],
    )
    response = admin_client_staff.post(f"{PRODUCTS_URL}{shirt.pk}/change/", data)
    assert response.status_code == 302
    added = ProductVariant.objects.get(sku="BS-S")
    assert (added.product_id, added.weight_grams) == (shirt.pk, 180)
    assert added.prices.get(currency="EUR").amount == Decimal("19.00")
    assert Price.objects.get(variant__sku="BS-M").amount == Decimal("18.00")
    shirt.refresh_from_db()
    assert shirt.min_price == Decimal("18.00")


def test_variant_inline_refuses_a_duplicate_sku_and_saves_nothing(
    admin_client_staff, shirt, tree, shirt_type
):
    make_product("Other", tree["shoes"], shirt_type, ("TAKEN", Decimal("5.00")))
    before = counts()
    taken = product_post(
        shirt,
        name="Renamed",
        variants=[
            (
                2,
                {
                    "sku": "TAKEN",
                    "name": "x",
                    "is_active": "on",
                    "weight_grams": 0,
                    "position": 3,
                    "price": "1.00",
                },
            )
        ],
    )
    response = admin_client_staff.post(f"{PRODUCTS_URL}{shirt.pk}/change/", taken)
    assert response.status_code == 200
    assert SkuTaken.default_message.encode() in response.content
    twice = product_post(
        shirt,
        variants=[
            (2, {"sku": "NEW", "weight_grams": 0, "position": 3}),
            (3, {"sku": "NEW", "weight_grams": 0, "position": 4}),
        ],
    )
    response = admin_client_staff.post(f"{PRODUCTS_URL}{shirt.pk}/change/", twice)
    assert response.status_code == 200
    assert b"This SKU appears twice" in response.content
    assert counts() == before
    assert Product.objects.get(pk=shirt.pk).name == "Blue Shirt"


def test_image_inline_switches_the_primary_image(admin_client_staff, shirt, media):
    first = services.image_add(product=shirt, image=png("a.png"), alt_text="front")
    data = product_post(
        shirt,
        images=[
            (0, {"is_primary": ""}),
            (
                1,
                {
                    "image": png("b.png"),
                    "alt_text": "back",
                    "position": 1,
                    "is_primary": "on",
                },
            ),
        ],
    )
    response = admin_client_staff.post(f"{PRODUCTS_URL}{shirt.pk}/change/", data)
    assert response.status_code == 302, response.context["inline_admin_formsets"]
    assert list(shirt.images.values_list("alt_text", "is_primary")) == [
        ("back", True),
        ("front", False),
    ]
    back = shirt.images.get(alt_text="back")
    data = product_post(
        shirt, images=[(0, {"is_primary": ""}), (1, {"is_primary": "on"})]
    )
    assert [row for row in shirt.images.all()] == [back, first]  # primary first
    admin_client_staff.post(f"{PRODUCTS_URL}{shirt.pk}/change/", data)
    assert ProductImage.objects.get(is_primary=True, product=shirt) == first


def test_image_inline_refuses_two_primaries_without_an_error_page(
    admin_client_staff, shirt, media
):
    services.image_add(product=shirt, image=png("a.png"), alt_text="front")
    services.image_add(product=shirt, image=png("b.png"), alt_text="back")
    data = product_post(
        shirt, images=[(0, {"is_primary": "on"}), (1, {"is_primary": "on"})]
    )
    response = admin_client_staff.post(f"{PRODUCTS_URL}{shirt.pk}/change/", data)
    assert response.status_code == 200
    assert b"Only one image can be the primary one." in response.content
    assert list(shirt.images.values_list("alt_text", "is_primary")) == [
        ("front", True),
        ("back", False),
    ]
