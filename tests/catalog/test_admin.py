"""Back office for the catalog: tree, products and inlines, actions, history, CSV, roles."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from apps.accounts import services as account_services
from apps.accounts.models import Role
from apps.catalog import csv_io, services
from apps.catalog.errors import CategoryMoveInvalid, PromotionOverlap, SkuTaken
from apps.catalog.models import (
    Category,
    OptionValue,
    Price,
    Product,
    ProductImage,
    ProductOption,
    ProductSlug,
    ProductType,
    ProductVariant,
    PromotionalPrice,
    Review,
)

pytestmark = pytest.mark.django_db

PRODUCTS_URL = "/admin/catalog/product/"
CATEGORIES_URL = "/admin/catalog/category/"


# --- data ----------------------------------------------------------------------------------


@pytest.fixture
def shirt_type():
    return ProductType.objects.create(name="Shirt")


@pytest.fixture
def tree():
    """clothing / shirts / polos, and shoes at the top level."""
    clothing = services.category_create(name="Clothing")
    shirts = services.category_create(name="Shirts", parent=clothing)
    polos = services.category_create(name="Polos", parent=shirts)
    shoes = services.category_create(name="Shoes")
    return {"clothing": clothing, "shirts": shirts, "polos": polos, "shoes": shoes}


def _product(name, category, product_type, *variants, **fields):
    product = services.product_create(
        product_type=product_type, category=category, name=name, **fields
    )
    for sku, price in variants:
        services.variant_create(product=product, sku=sku, name=sku, price=price)
    return product


@pytest.fixture
def shirt(tree, shirt_type):
    return _product(
        "Blue Shirt",
        tree["shirts"],
        shirt_type,
        ("BS-M", Decimal("20.00")),
        ("BS-L", Decimal("22.00")),
        brand="Acme",
    )


def _product_post(product=None, *, variants=(), images=(), **overrides):
    """The product change form as the admin posts it (inline rows as dicts)."""
    data = {
        "name": product.name if product else "",
        "category": product.category_id if product else "",
        "product_type": product.product_type_id if product else "",
        "brand": product.brand if product else "",
        "status": product.status if product else "draft",
        "description": "",
        "tags": "",
        "attributes": "{}",
        "seo_title": "",
        "seo_description": "",
        "publish_from_0": "",
        "publish_from_1": "",
        "publish_until_0": "",
        "publish_until_1": "",
        **overrides,
    }
    existing_variants = (
        list(product.variants.order_by("position", "id")) if product else []
    )
    rows = [
        {
            "id": v.pk,
            "sku": v.sku,
            "name": v.name,
            "is_active": "on" if v.is_active else "",
            "weight_grams": v.weight_grams,
            "position": v.position,
            "price": next(
                (p.amount for p in v.prices.all() if p.currency == "EUR"), ""
            ),
        }
        for v in existing_variants
    ]
    for i, changes in variants:
        if i < len(rows):
            rows[i].update(changes)
        else:
            rows.append(changes)
    data.update(_formset("variants", rows, len(existing_variants)))
    existing_images = list(product.images.all()) if product else []
    image_rows = [
        {
            "id": img.pk,
            "alt_text": img.alt_text,
            "position": img.position,
            "is_primary": "on" if img.is_primary else "",
        }
        for img in existing_images
    ]
    for i, changes in images:
        if i < len(image_rows):
            image_rows[i].update(changes)
        else:
            image_rows.append(changes)
    data.update(_formset("images", image_rows, len(existing_images)))
    return data


def _formset(prefix, rows, initial):
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"{prefix}-{i}-{key}"] = value
    return data


def _counts():
    return (
        Product.all_objects.count(),
        ProductVariant.all_objects.count(),
        Price.objects.count(),
        Category.all_objects.count(),
    )


# --- changelists ---------------------------------------------------------------------------


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _add_products(count, tree, product_type, start=0):
    for i in range(start, start + count):
        category = tree["polos"] if i % 2 else tree["shoes"]
        _product(
            f"Product {i}",
            category,
            product_type,
            (f"SKU-{i}", Decimal("9.99")),
            brand=f"Brand {i % 3}",
        )


@pytest.mark.parametrize(
    "url", [PRODUCTS_URL, PRODUCTS_URL + "?q=SKU-1", "/admin/catalog/productvariant/"]
)
def test_product_and_variant_lists_run_a_constant_number_of_queries(
    admin_client_staff, tree, shirt_type, django_assert_max_num_queries, url
):
    _add_products(3, tree, shirt_type)
    few = _queries(admin_client_staff, url)
    _add_products(27, tree, shirt_type, start=3)
    with django_assert_max_num_queries(few):
        response = admin_client_staff.get(url)
    assert few <= 15
    assert b"Product 1" in response.content


def test_product_list_shows_the_import_link_and_finds_by_sku(
    admin_client_staff, tree, shirt_type
):
    _add_products(10, tree, shirt_type)
    response = admin_client_staff.get(PRODUCTS_URL + "?q=SKU-7")
    assert [p.name for p in response.context["cl"].result_list] == ["Product 7"]
    assert b"Import CSV" in response.content


def test_category_list_runs_a_constant_number_of_queries(
    admin_client_staff, shirt_type, django_assert_max_num_queries
):
    def grow(start, count):
        parent = None
        for i in range(start, start + count):
            category = services.category_create(
                name=f"Category {i}", parent=parent if i % 3 else None
            )
            parent = category
            _product(f"Product {i}", category, shirt_type)

    grow(0, 3)
    few = _queries(admin_client_staff, CATEGORIES_URL)
    grow(3, 27)
    with django_assert_max_num_queries(few):
        response = admin_client_staff.get(CATEGORIES_URL)
    assert few <= 12
    assert b"Category 29" in response.content


def test_product_change_page_runs_a_constant_number_of_queries(
    admin_client_staff, shirt, media, django_assert_max_num_queries
):
    url = f"{PRODUCTS_URL}{shirt.pk}/change/"
    services.image_add(product=shirt, image=_png("a.png"))
    few = _queries(admin_client_staff, url)
    for i in range(10):
        services.variant_create(product=shirt, sku=f"X-{i}", price=Decimal("1.00"))
        services.image_add(product=shirt, image=_png(f"{i}.png"))
    with django_assert_max_num_queries(few):
        response = admin_client_staff.get(url)
    assert b"X-9" in response.content


def test_every_catalog_admin_page_renders(admin_client_staff, shirt, django_user_model):
    variant = shirt.variants.first()
    reviewer = django_user_model.objects.create_user(
        email="r@example.com", password="x"
    )
    review = services.review_submit(product=shirt, user=reviewer, rating=4)
    option = ProductOption.objects.create(product_type=shirt.product_type, name="Size")
    value = OptionValue.objects.create(option=option, value="M")
    urls = [
        "/admin/catalog/",
        CATEGORIES_URL + "add/",
        f"{CATEGORIES_URL}{shirt.category_id}/change/",
        f"{CATEGORIES_URL}{shirt.category_id}/history/",
        PRODUCTS_URL + "add/",
        f"{PRODUCTS_URL}{shirt.pk}/change/",
        f"{PRODUCTS_URL}{shirt.pk}/history/",
        f"{PRODUCTS_URL}{shirt.pk}/delete/",
        PRODUCTS_URL + "import/",
        "/admin/catalog/productvariant/add/",
        f"/admin/catalog/productvariant/{variant.pk}/change/",
        f"/admin/catalog/productvariant/{variant.pk}/history/",
        "/admin/catalog/producttype/",
        f"/admin/catalog/producttype/{shirt.product_type_id}/change/",
        f"/admin/catalog/productoption/{option.pk}/change/",
        "/admin/catalog/optionvalue/",
        f"/admin/catalog/optionvalue/{value.pk}/change/",
        "/admin/catalog/review/",
        f"/admin/catalog/review/{review.pk}/change/",
    ]
    assert {url: admin_client_staff.get(url).status_code for url in urls} == {
        url: 200 for url in urls
    }


def test_autocomplete_offers_alive_categories_only(admin_client_staff, tree):
    tree["shoes"].soft_delete()
    response = admin_client_staff.get(
        "/admin/autocomplete/",
        {
            "app_label": "catalog",
            "model_name": "product",
            "field_name": "category",
            "term": "s",
        },
    )
    names = [row["text"] for row in response.json()["results"]]
    assert names == [
        "Shirts",
        "Polos",
    ]  # tree order; the deleted "Shoes" is not offered


def test_category_changelist_shows_the_tree_in_order_indented_with_counts(
    admin_client_staff, tree, shirt
):
    content = admin_client_staff.get(CATEGORIES_URL).content.decode()
    positions = [
        content.index(f"</span>{name}")
        for name in ("Clothing", "Shirts", "Polos", "Shoes")
    ]
    assert positions == sorted(positions)
    assert '<span class="tree-indent"></span>Clothing' in content
    assert '<span class="tree-indent">\u2003└ </span>Shirts' in content
    assert '<span class="tree-indent">\u2003\u2003└ </span>Polos' in content
    assert '<td class="field-product_count">1</td>' in content  # Shirts: Blue Shirt


# --- categories ----------------------------------------------------------------------------


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


# --- products ------------------------------------------------------------------------------


def test_product_add_makes_a_slug_and_history_with_the_staff_actor(
    admin_client_staff, tree, shirt_type, staff
):
    data = _product_post(
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
        f"{PRODUCTS_URL}{shirt.pk}/change/", _product_post(shirt, name="Navy Shirt")
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
    post = _product_post(shirt, name="Blue Shirt")
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
        _product_post(shirt, name="Changed", attributes='{"size": ["S", "M"]}'),
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["attributes"]
    assert "must be text" in errors[0]
    shirt.refresh_from_db()
    assert (shirt.name, shirt.attributes) == ("Blue Shirt", {})


def test_activate_and_archive_actions(admin_client_staff, tree, shirt_type, shirt):
    other = _product("Red Shirt", tree["shirts"], shirt_type)
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
    data = _product_post(
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
    _product("Other", tree["shoes"], shirt_type, ("TAKEN", Decimal("5.00")))
    before = _counts()
    taken = _product_post(
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
    twice = _product_post(
        shirt,
        variants=[
            (2, {"sku": "NEW", "weight_grams": 0, "position": 3}),
            (3, {"sku": "NEW", "weight_grams": 0, "position": 4}),
        ],
    )
    response = admin_client_staff.post(f"{PRODUCTS_URL}{shirt.pk}/change/", twice)
    assert response.status_code == 200
    assert b"This SKU appears twice" in response.content
    assert _counts() == before
    assert Product.objects.get(pk=shirt.pk).name == "Blue Shirt"


def _png(name: str) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), "red").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_image_inline_switches_the_primary_image(admin_client_staff, shirt, media):
    first = services.image_add(product=shirt, image=_png("a.png"), alt_text="front")
    data = _product_post(
        shirt,
        images=[
            (0, {"is_primary": ""}),
            (
                1,
                {
                    "image": _png("b.png"),
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
    data = _product_post(
        shirt, images=[(0, {"is_primary": ""}), (1, {"is_primary": "on"})]
    )
    assert [row for row in shirt.images.all()] == [back, first]  # primary first
    admin_client_staff.post(f"{PRODUCTS_URL}{shirt.pk}/change/", data)
    assert ProductImage.objects.get(is_primary=True, product=shirt) == first


def test_image_inline_refuses_two_primaries_without_an_error_page(
    admin_client_staff, shirt, media
):
    services.image_add(product=shirt, image=_png("a.png"), alt_text="front")
    services.image_add(product=shirt, image=_png("b.png"), alt_text="back")
    data = _product_post(
        shirt, images=[(0, {"is_primary": "on"}), (1, {"is_primary": "on"})]
    )
    response = admin_client_staff.post(f"{PRODUCTS_URL}{shirt.pk}/change/", data)
    assert response.status_code == 200
    assert b"Only one image can be the primary one." in response.content
    assert list(shirt.images.values_list("alt_text", "is_primary")) == [
        ("front", True),
        ("back", False),
    ]


# --- variants and prices -------------------------------------------------------------------


def _variant_post(variant, promotions=(), tiers=()):
    data = {
        "product": variant.product_id,
        "sku": variant.sku,
        "name": variant.name,
        "weight_grams": variant.weight_grams,
        "is_active": "on",
        "position": variant.position,
    }
    prices = list(variant.prices.all())
    data.update(
        _formset(
            "prices",
            [{"id": p.pk, "currency": p.currency, "amount": p.amount} for p in prices],
            len(prices),
        )
    )
    existing = list(variant.promotions.all())
    rows = [
        {
            "id": p.pk,
            "currency": p.currency,
            "amount": p.amount,
            "valid_during_0": timezone.localtime(p.valid_during.lower).strftime(
                "%Y-%m-%d %H:%M:%S"
            ),
            "valid_during_1": timezone.localtime(p.valid_during.upper).strftime(
                "%Y-%m-%d %H:%M:%S"
            ),
            "label": p.label,
        }
        for p in existing
    ]
    data.update(_formset("promotions", rows + list(promotions), len(existing)))
    data.update(_formset("tiers", list(tiers), 0))
    return data


def test_promotion_overlap_is_shown_next_to_the_field(admin_client_staff, shirt):
    variant = shirt.variants.get(sku="BS-M")
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=1)
    services.promotion_add(
        variant=variant,
        amount=Decimal("15.00"),
        start=start,
        end=start + dt.timedelta(days=7),
    )
    overlapping = {
        "currency": "EUR",
        "amount": "14.00",
        "valid_during_0": timezone.localtime(start + dt.timedelta(days=3)).strftime(
            "%Y-%m-%d %H:%M:%S"
        ),
        "valid_during_1": timezone.localtime(start + dt.timedelta(days=10)).strftime(
            "%Y-%m-%d %H:%M:%S"
        ),
        "label": "Spring",
    }
    url = f"/admin/catalog/productvariant/{variant.pk}/change/"
    response = admin_client_staff.post(
        url, _variant_post(variant, promotions=[overlapping])
    )
    assert response.status_code == 200
    assert PromotionOverlap.default_message.encode() in response.content
    assert PromotionalPrice.objects.filter(variant=variant).count() == 1
    later = {
        **overlapping,
        "valid_during_0": overlapping["valid_during_1"],
        "valid_during_1": timezone.localtime(start + dt.timedelta(days=20)).strftime(
            "%Y-%m-%d %H:%M:%S"
        ),
    }
    tier = {"currency": "EUR", "min_quantity": 10, "amount": "17.00"}
    response = admin_client_staff.post(
        url, _variant_post(variant, promotions=[later], tiers=[tier])
    )
    assert response.status_code == 302
    assert PromotionalPrice.objects.filter(variant=variant).count() == 2
    assert variant.tiers.get().amount == Decimal("17.00")


# --- reviews -------------------------------------------------------------------------------


def test_reviews_list_pending_first_and_are_moderated_by_actions(
    admin_client_staff, shirt, staff, django_user_model
):
    alice = django_user_model.objects.create_user(
        email="alice@example.com", password="x"
    )
    bob = django_user_model.objects.create_user(email="bob@example.com", password="x")
    approved = services.review_submit(
        product=shirt, user=alice, rating=5, title="Great"
    )
    services.review_moderate(review=approved, status="approved")
    pending = services.review_submit(product=shirt, user=bob, rating=2, title="Meh")
    Review.objects.filter(pk=pending.pk).update(
        created_at=timezone.now() - dt.timedelta(days=3)
    )
    listing = admin_client_staff.get("/admin/catalog/review/")
    assert [r.pk for r in listing.context["cl"].result_list] == [
        pending.pk,
        approved.pk,
    ]
    admin_client_staff.post(
        "/admin/catalog/review/",
        {"action": "approve", "_selected_action": [pending.pk]},
    )
    pending.refresh_from_db()
    assert (pending.status, pending.moderated_by_id) == ("approved", staff.pk)
    admin_client_staff.post(
        "/admin/catalog/review/",
        {"action": "reject", "_selected_action": [approved.pk]},
    )
    assert Review.objects.get(pk=approved.pk).status == "rejected"


# --- CSV -----------------------------------------------------------------------------------


def _export(client, action, ids):
    response = client.post(PRODUCTS_URL, {"action": action, "_selected_action": ids})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return b"".join(response.streaming_content).decode()


def _import(client, content: bytes | str, kind="products"):
    if isinstance(content, str):
        content = content.encode()
    upload = SimpleUploadedFile("catalog.csv", content, content_type="text/csv")
    return client.post(
        PRODUCTS_URL + "import/", {"kind": kind, "file": upload}, follow=True
    )


def _catalog_snapshot():
    paths = csv_io.category_slug_paths(Category.objects.all())
    return {
        "products": sorted(
            (p.name, paths[p.category_id], p.product_type.name, p.brand, p.status)
            for p in Product.objects.select_related("product_type")
        ),
        "variants": sorted(
            (v.sku, v.name, v.product.name)
            for v in ProductVariant.objects.select_related("product")
        ),
        "prices": sorted(
            (p.variant.sku, p.currency, p.amount)
            for p in Price.objects.select_related("variant")
        ),
    }


def test_csv_export_has_one_row_per_variant(
    admin_client_staff, shirt, tree, shirt_type
):
    bare = _product("=Bare", tree["clothing"], shirt_type, status="active")
    text = _export(admin_client_staff, "export_products", [shirt.pk, bare.pk])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [
        csv_io.PRODUCT_COLUMNS,
        [
            "blue-shirt",
            "Blue Shirt",
            "clothing/shirts",
            "Shirt",
            "Acme",
            "draft",
            "BS-M",
            "BS-M",
            "EUR",
            "20.00",
        ],
        [
            "blue-shirt",
            "Blue Shirt",
            "clothing/shirts",
            "Shirt",
            "Acme",
            "draft",
            "BS-L",
            "BS-L",
            "EUR",
            "22.00",
        ],
        ["bare", "'=Bare", "clothing", "Shirt", "", "active", "", "", "", ""],
    ]


def test_csv_round_trip_into_an_empty_catalog(
    admin_client_staff, tree, shirt_type, shirt
):
    # given: a catalog with two products, one without variants, prices in two currencies
    _product(
        "Red Shirt",
        tree["polos"],
        shirt_type,
        ("RS-1", Decimal("9.50")),
        brand="Acme, Inc.",
        status="archived",
    )
    _product("Plain", tree["shoes"], shirt_type, status="active")
    services.price_set(
        variant=ProductVariant.objects.get(sku="BS-M"),
        amount=Decimal("25.00"),
        currency="USD",
    )
    ids = list(Product.objects.values_list("pk", flat=True))
    products_csv = _export(admin_client_staff, "export_products", ids)
    prices_csv = _export(admin_client_staff, "export_prices", ids)
    expected = _catalog_snapshot()
    # when: the catalog is emptied (products only; the tree and types stay) and re-imported
    ProductVariant.all_objects.all().hard_delete()
    ProductSlug.objects.all().delete()
    Product.all_objects.all().hard_delete()
    response = _import(admin_client_staff, products_csv)
    messages = [str(m) for m in response.context["messages"]]
    assert messages == ["Import done — products created: 3, variants created: 3."]
    response = _import(admin_client_staff, prices_csv, kind="prices")
    assert [str(m) for m in response.context["messages"]] == [
        "Import done — prices set: 1."
    ]
    # then
    assert _catalog_snapshot() == expected
    assert Product.objects.get(name="Blue Shirt").min_price == Decimal("20.00")
    # and importing the same files again changes nothing
    response = _import(admin_client_staff, products_csv)
    assert [str(m) for m in response.context["messages"]] == [
        "Import done — nothing to change."
    ]


def test_csv_import_updates_products_and_prices_by_slug_and_sku(
    admin_client_staff, shirt
):
    text = (
        "product_slug,product_name,category_path,product_type,brand,status,sku,variant_name,currency,price\n"
        "blue-shirt,Blue Shirt,clothing/shirts,Shirt,Acme,active,BS-M,Medium,EUR,21.00\n"
        "blue-shirt,Blue Shirt,clothing/shirts,Shirt,Acme,active,BS-XL,XL,EUR,24.00\n"
    )
    response = _import(admin_client_staff, text)
    assert [str(m) for m in response.context["messages"]] == [
        "Import done — products updated: 1, variants updated: 1, prices set: 1, variants created: 1."
    ]
    shirt.refresh_from_db()
    assert (shirt.status, shirt.variants.count()) == ("active", 3)
    assert Price.objects.get(variant__sku="BS-M").amount == Decimal("21.00")
    assert ProductVariant.objects.get(sku="BS-M").name == "Medium"


@pytest.fixture
def other_product(tree, shirt_type):
    return _product("Other", tree["shoes"], shirt_type, ("OTHER-1", Decimal("5.00")))


def test_csv_import_of_a_bad_file_lists_every_error_and_changes_nothing(
    admin_client_staff, shirt, other_product, audit_trail
):
    before = _counts()
    text = (
        "product_slug,product_name,category_path,product_type,brand,status,sku,variant_name,currency,price\n"
        "new-one,New One,clothing/shirts,Shirt,,active,N-1,,EUR,10.00\n"
        "x,X,clothing/nowhere,Shirt,,active,N-2,,EUR,10.00\n"
        "y,Y,clothing,Gadget,,active,N-3,,EUR,10.00\n"
        "z,Z,clothing,Shirt,,active,N-4,,EUR,ten\n"
        "w,W,clothing,Shirt,,active,N-1,,EUR,1.00\n"
        "v,V,clothing,Shirt,,live,N-5,,EUR,1.00\n"
        "blue-shirt,Blue Shirt,clothing/shirts,Shirt,Acme,draft,OTHER-1,,EUR,1.00\n"
        "u,U,clothing,Shirt,,active,N-6,,XYZ,-1\n"
        "t,T,clothing\n"
    )
    response = _import(admin_client_staff, text)
    assert response.status_code == 200
    assert response.context["errors"] == [
        "Line 3: unknown category path 'clothing/nowhere'.",
        "Line 4: unknown product type 'Gadget'.",
        "Line 5: price 'ten' is not a number.",
        "Line 6: SKU 'N-1' is already on line 2.",
        "Line 7: unknown status 'live' (use draft, active, archived).",
        "Line 8: SKU 'OTHER-1' belongs to another product.",
        "Line 9: unknown currency 'XYZ' (use EUR, USD, GBP).",
        "Line 10: expected 10 columns, found 3 columns.",
    ]
    assert b"Nothing was imported" in response.content
    assert _counts() == before
    assert audit_trail.events(table_name__startswith="catalog") == []


def test_csv_import_of_prices_refuses_unknown_skus_and_bad_amounts(
    admin_client_staff, shirt
):
    before = list(Price.objects.order_by("pk").values_list("pk", "amount"))
    text = "sku,currency,price\nBS-M,EUR,1.00\nNOPE,EUR,1.00\nBS-L,EUR,1.005\nBS-M,EUR,2.00\n"
    response = _import(admin_client_staff, text, kind="prices")
    assert response.context["errors"] == [
        "Line 3: unknown SKU 'NOPE'.",
        "Line 4: price 1.005 has more than two decimals.",
        "Line 5: SKU 'BS-M' in EUR is already on line 2.",
    ]
    assert list(Price.objects.order_by("pk").values_list("pk", "amount")) == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("name;price\n".encode("utf-16"), "The file is not UTF-8 text"),
        ("product_name,prix\nCafé,1\n".encode("latin-1"), "The file is not UTF-8 text"),
        (b"", "The submitted file is empty."),
        (b"\n\n", "The file is empty: it has no header line."),
        (b"sku,currency,price\n", "The file has a header but no rows."),
        (b"sku,price\nA,1\n", "the header lacks the column(s) currency"),
    ],
)
def test_csv_import_of_an_unreadable_file_says_why(
    admin_client_staff, shirt, content, message
):
    before = _counts()
    response = _import(admin_client_staff, content, kind="prices")
    assert response.status_code == 200
    assert message in response.content.decode()
    assert _counts() == before


# --- roles ---------------------------------------------------------------------------------


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
        f"{PRODUCTS_URL}{shirt.pk}/change/", _product_post(shirt, name="Navy")
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
        f"{PRODUCTS_URL}{shirt.pk}/change/", _product_post(shirt, name="Navy")
    )
    assert response.status_code == 403
    assert client.get(PRODUCTS_URL + "import/").status_code == 403
    assert client.get(CATEGORIES_URL + "add/").status_code == 403
    assert Product.objects.get(pk=shirt.pk).name == "Blue Shirt"
