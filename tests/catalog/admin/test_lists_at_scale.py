"""Catalog admin lists that stay fast on a big catalog: searches answered by indexes, a
brand filter without DISTINCT, no full COUNT(*)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.catalog import selectors
from apps.catalog.models import Product, ProductVariant, Review
from apps.catalog.models.reviews import pending_first
from tests.catalog.factories import ReviewFactory
from tests.plans import plan

from .helpers import PRODUCTS_URL, make_product

pytestmark = pytest.mark.django_db

VARIANTS_URL = "/admin/catalog/productvariant/"


def _sql(client, url) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return [query["sql"] for query in captured]


@pytest.fixture
def catalog(tree, shirt_type):
    make_product(
        "Linen Shirt",
        tree["shirts"],
        shirt_type,
        ("LS-1", Decimal("30.00")),
        brand="Acme",
    )
    make_product(
        "Wool Jumper",
        tree["shirts"],
        shirt_type,
        ("WJ-LINEN-9", Decimal("50.00")),
        brand="Borealis",
    )
    make_product(
        "Cotton Polo", tree["polos"], shirt_type, ("CP-1", Decimal("20.00")), brand=""
    )


def _names(response) -> list[str]:
    return sorted(str(row) for row in response.context["cl"].result_list)


def test_product_search_finds_name_brand_slug_and_sku_part(admin_client_staff, catalog):
    def found(term):
        response = admin_client_staff.get(PRODUCTS_URL, {"q": term})
        return sorted(p.name for p in response.context["cl"].result_list)

    assert found("linen") == ["Linen Shirt", "Wool Jumper"]  # name, and SKU part
    assert found("borea") == ["Wool Jumper"]  # brand
    assert found("cotton-polo") == ["Cotton Polo"]  # the exact slug
    assert found("otton-pol") == []  # a slug is matched whole
    assert found("linen shirt") == ["Linen Shirt"]  # every word must match
    assert found("nothing-like-it") == []


def test_variant_search_finds_sku_part_and_product_name(admin_client_staff, catalog):
    response = admin_client_staff.get(VARIANTS_URL, {"q": "linen"})
    assert sorted(v.sku for v in response.context["cl"].result_list) == [
        "LS-1",
        "WJ-LINEN-9",
    ]
    response = admin_client_staff.get(VARIANTS_URL, {"q": "polo"})
    assert [v.sku for v in response.context["cl"].result_list] == ["CP-1"]


def test_variant_list_is_newest_first_without_joining_products(
    admin_client_staff, catalog
):
    sql = _sql(admin_client_staff, VARIANTS_URL)
    page = next(q for q in sql if q.startswith('SELECT "catalog_productvariant"."id"'))
    assert 'ORDER BY "catalog_productvariant"."id" DESC' in page
    response = admin_client_staff.get(VARIANTS_URL)
    ids = [v.pk for v in response.context["cl"].result_list]
    assert ids == sorted(ids, reverse=True)


def test_brand_filter_lists_the_brands_without_distinct(admin_client_staff, catalog):
    sql = _sql(admin_client_staff, PRODUCTS_URL)
    assert not [q for q in sql if "DISTINCT" in q.upper()]
    response = admin_client_staff.get(PRODUCTS_URL)
    brand_filter = next(
        spec for spec in response.context["cl"].filter_specs if spec.title == "brand"
    )
    assert [title for _, title in brand_filter.lookup_choices] == ["Acme", "Borealis"]

    response = admin_client_staff.get(PRODUCTS_URL, {"brand": "Borealis"})
    assert [p.name for p in response.context["cl"].result_list] == ["Wool Jumper"]


def test_product_brands_lists_each_brand_once_in_order(catalog, tree, shirt_type):
    make_product("Another Acme", tree["shoes"], shirt_type, brand="Acme")
    assert selectors.product_brands() == ["Acme", "Borealis"]
    assert selectors.product_brands(limit=1) == ["Acme"]


def test_lists_never_count_a_whole_table(admin_client_staff, catalog):
    """The paginator counts at most CAP rows (or reads the planner's estimate): no
    `COUNT(*)` over a big table, and no second count for the "show all" link."""
    for url in (PRODUCTS_URL, VARIANTS_URL, PRODUCTS_URL + "?q=linen"):
        counts = [q for q in _sql(admin_client_staff, url) if "COUNT(" in q.upper()]
        assert len(counts) == 1, counts
        assert "LIMIT 10000" in counts[0]


def test_the_admin_searches_are_answered_by_indexes(catalog):
    """What `icontains` asks of PostgreSQL (UPPER(col::text) LIKE UPPER(...)) is the
    expression the trigram indexes hold, and the default order has its index."""
    products = Product.all_objects
    assert "catalog_product_name_up_trgm" in plan(
        products.filter(name__icontains="linen").order_by()
    )
    assert "catalog_product_brand_trgm" in plan(
        products.filter(brand__icontains="bor").order_by()
    )
    assert "catalog_variant_sku_trgm" in plan(
        ProductVariant.all_objects.filter(sku__icontains="linen").order_by()
    )
    both = plan(
        ProductVariant.all_objects.filter(selectors.variant_matches("linen")).order_by()
    )
    assert "catalog_variant_sku_trgm" in both and "BitmapOr" in both
    assert "catalog_product_created" in plan(
        products.order_by("-created_at", "-id")[:100]
    )
    assert re.search(
        r"\bcatalog_product_brand\s",
        plan(products.filter(brand__gt="").order_by("brand")),
    )


def test_a_product_slug_is_indexed_twice_and_the_admin_search_by_slug_uses_one(catalog):
    # The unique index on alive products' slugs (the storefront's lookup) and one plain
    # index over every product (the admin's search, deleted products too); no LIKE index.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'catalog_product'"
            " AND indexdef LIKE '%%(slug%%' ORDER BY indexname"
        )
        assert [row[0] for row in cursor.fetchall()] == [
            "catalog_product_slug",
            "catalog_product_slug_unique_alive",
        ]
    assert "catalog_product_slug " in plan(
        Product.all_objects.filter(slug="linen-shirt").order_by()
    )
    assert "catalog_product_slug_unique_alive" in plan(
        Product.objects.filter(slug="linen-shirt").order_by()
    )


# --- reviews: the moderation queue -------------------------------------------------------

REVIEWS_URL = "/admin/catalog/review/"


@pytest.fixture
def reviews(catalog):
    linen, jumper, polo = (
        Product.objects.get(name=n)
        for n in ("Linen Shirt", "Wool Jumper", "Cotton Polo")
    )
    old = timezone.now() - dt.timedelta(days=3)
    return {
        "approved": ReviewFactory(product=polo, title="Fine polo", created_at=old),
        "pending_old": ReviewFactory(
            product=jumper,
            title="Warm",
            body="Softer than LINEN",
            status=Review.Status.PENDING,
            created_at=old,
        ),
        "pending_new": ReviewFactory(
            product=linen, title="Crisp", status=Review.Status.PENDING
        ),
        "newest": ReviewFactory(product=polo, title="Polo again"),
    }


def test_review_queue_lists_pending_first_then_newest(admin_client_staff, reviews):
    response = admin_client_staff.get(REVIEWS_URL)
    assert [r.title for r in response.context["cl"].result_list] == [
        "Crisp",
        "Warm",
        "Polo again",
        "Fine polo",
    ]


def test_review_search_finds_title_text_and_product_name(admin_client_staff, reviews):
    def found(term):
        response = admin_client_staff.get(REVIEWS_URL, {"q": term})
        return sorted(r.title for r in response.context["cl"].result_list)

    assert found("linen") == ["Crisp", "Warm"]  # the product's name, the text
    assert found("polo") == ["Fine polo", "Polo again"]  # titles and product names
    assert found("polo again") == ["Polo again"]  # every word must match
    assert found("nothing-like-it") == []


def test_review_list_counts_at_most_a_cap_and_its_order_and_search_have_indexes(
    admin_client_staff, reviews
):
    counts = [q for q in _sql(admin_client_staff, REVIEWS_URL) if "COUNT(" in q.upper()]
    assert len(counts) == 1 and "LIMIT 10000" in counts[0]
    assert "catalog_review_queue" in plan(
        Review.objects.order_by(pending_first().asc(), "-created_at", "-id")[:50]
    )
    both = plan(Review.objects.filter(selectors.review_matches("linen")).order_by())
    assert "catalog_review_title_trgm" in both
    assert "catalog_review_body_trgm" in both
    assert "BitmapOr" in both


def test_review_rating_filter_offers_one_to_five_stars_without_distinct(
    admin_client_staff, reviews
):
    reviews["approved"].rating = 2
    reviews["approved"].save(update_fields=["rating"])
    sql = _sql(admin_client_staff, REVIEWS_URL)
    assert not [q for q in sql if "DISTINCT" in q.upper()], sql
    html = admin_client_staff.get(REVIEWS_URL).content.decode()
    for stars in range(1, 6):
        assert f'href="?rating={stars}"' in html
    response = admin_client_staff.get(REVIEWS_URL, {"rating": "2"})
    assert [r.title for r in response.context["cl"].result_list] == ["Fine polo"]
