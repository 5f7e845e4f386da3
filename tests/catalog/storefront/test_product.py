"""The product page: everything shown, variants, rating, fixed queries, cache and its invalidation,
unpublished and old slugs."""

from __future__ import annotations

import copy
import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from apps.catalog import selectors, services
from apps.catalog.models import AttributeDefinition, Product
from tests.accounts.factories import UserFactory
from tests.catalog.factories import (
    ProductImageFactory,
    ProductVariantFactory,
    ReviewFactory,
)

pytestmark = pytest.mark.django_db

# Measured once, asserted exactly: a change in this is a change in the page's cost.
# Product: product (+ category, materialized rating, live review average), variants,
# option values, prices, promotions, tiers, images, latest reviews (+ users), the type's
# attribute labels, breadcrumbs.
PRODUCT_PAGE_QUERIES = 10


def test_product_page_shows_everything(client, oxford):
    product, small, large, verified = oxford

    response = client.get("/p/oxford-shirt/")

    assert response.status_code == 200
    html = response.content.decode()
    assertContains(response, "<title>Oxford Shirt · The Shop</title>", html=True)
    assertContains(
        response,
        '<meta name="description" content="The best oxford shirt.">',
        html=True,
    )
    assertContains(
        response, '<a href="/c/clothing/shirts/formal/">Formal</a>', html=True
    )
    assert html.index('alt="Back view"') < html.index(
        'alt="Front view"'
    )  # primary first
    assertContains(response, '<th scope="row">Iron free</th><td>Yes</td>', html=True)
    # The first variant is chosen: its price and its tier.
    assertContains(response, '<strong data-slot="price">€29.90</strong>', html=True)
    assertContains(response, "10+ at €25.00")
    assertContains(response, '<span data-slot="sku">OX-S</span>', html=True)
    # Every variant's price is in the picker, the promoted one with its base struck through.
    assertContains(response, 'data-price="€31.00" data-base-price="€34.90"')
    assertContains(response, 'data-promotion="Spring sale"')
    assertContains(response, "L — €31.00")
    # Approved reviews only, with the verified badge and the average.
    assertContains(response, "Great")
    assertContains(response, "Fine")
    assertNotContains(response, "Spam")
    assertContains(response, "Verified purchase", count=1)
    assertContains(response, "4.00 out of 5 (2 reviews)")
    assert verified.user.email not in html


def test_product_page_variant_parameter_selects_the_variant(client, oxford):
    product, small, large, _ = oxford

    response = client.get(f"/p/oxford-shirt/?variant={large.pk}")

    assertContains(response, '<strong data-slot="price">€31.00</strong>', html=True)
    assertContains(
        response, '<s class="was" data-slot="base-price">€34.90</s>', html=True
    )
    assertContains(response, '<span data-slot="sku">OX-L</span>', html=True)
    assertContains(response, f'<option value="{large.pk}" ', count=1)
    assert f'value="{large.pk}" data-price="€31.00" data-base-price="€34.90" ' in (
        response.content.decode()
    )
    for bad in ("abc", "999999", "-1"):
        other = client.get(f"/p/oxford-shirt/?variant={bad}")
        assertContains(other, '<strong data-slot="price">€29.90</strong>', html=True)


def test_product_page_rating_comes_from_the_materialized_view_once_refreshed(
    client, oxford
):
    product = oxford[0]
    services.ratings_refresh()  # 5 and 3: 4.00 from 2 reviews
    ReviewFactory(product=product, rating=1, title="Late")  # not in the view yet

    response = client.get("/p/oxford-shirt/")

    assertContains(response, "4.00 out of 5 (2 reviews)")
    assertContains(response, "Late")  # the review itself shows at once


def test_product_page_query_count_is_fixed(
    client, oxford, django_assert_num_queries, django_capture_on_commit_callbacks
):
    product = oxford[0]
    with django_assert_num_queries(PRODUCT_PAGE_QUERIES):
        client.get("/p/oxford-shirt/")

    with django_capture_on_commit_callbacks(execute=True):
        for n in range(5):
            ProductVariantFactory(product=product, price=Decimal("40.00") + n)
            ReviewFactory(product=product)
            ProductImageFactory(product=product)
    with django_assert_num_queries(PRODUCT_PAGE_QUERIES):
        response = client.get("/p/oxford-shirt/")

    assert response.content.decode().count("<option ") == 7


def test_cached_product_page_runs_no_query(client, oxford, django_assert_num_queries):
    product, small, large, _ = oxford
    client.get("/p/oxford-shirt/")
    client.get(f"/p/oxford-shirt/?variant={large.pk}")

    with django_assert_num_queries(0):
        response = client.get("/p/oxford-shirt/")
    with django_assert_num_queries(0):
        variant = client.get(f"/p/oxford-shirt/?variant={large.pk}")

    assertContains(response, "Oxford Shirt")
    assertContains(response, "<title>Oxford Shirt · The Shop</title>", html=True)
    assertContains(variant, '<strong data-slot="price">€31.00</strong>', html=True)


def test_signed_in_customer_gets_the_cached_page_with_only_session_queries(
    client, oxford, customer, django_assert_num_queries
):
    client.get("/p/oxford-shirt/")
    client.force_login(customer)

    with django_assert_num_queries(
        2
    ):  # the session and the user, nothing for the product
        response = client.get("/p/oxford-shirt/")

    assertContains(
        response, "Cory"
    )  # the per-user header is not in the cached fragment


def test_price_change_shows_on_the_cached_page(
    client, oxford, django_capture_on_commit_callbacks
):
    product, small, large, _ = oxford
    assertContains(client.get("/p/oxford-shirt/"), "€29.90")

    with django_capture_on_commit_callbacks(execute=True):
        services.price_set(variant=small, amount=Decimal("27.50"))

    response = client.get("/p/oxford-shirt/")
    assertContains(response, '<strong data-slot="price">€27.50</strong>', html=True)


def test_promotion_window_bounds_the_cached_fragment(oxford):
    product, small, large, _ = oxford
    promotion = large.promotions.get()

    detail = selectors.product_detail("oxford-shirt")

    assert detail.changes_at == promotion.valid_during.upper
    later = selectors.product_detail(
        "oxford-shirt", at=promotion.valid_during.upper + dt.timedelta(seconds=1)
    )
    assert later.changes_at is None


def test_redis_down_pages_still_render(client, oxford, settings):
    caches = copy.deepcopy(settings.CACHES)
    caches["default"]["LOCATION"] = "redis://127.0.0.1:1/0"
    caches["default"]["OPTIONS"].update(
        IGNORE_EXCEPTIONS=True, SOCKET_CONNECT_TIMEOUT=0.2, SOCKET_TIMEOUT=0.2
    )
    settings.CACHES = caches

    for url, text in [
        ("/p/oxford-shirt/", "Oxford Shirt"),
        ("/p/oxford-shirt/", "€29.90"),
        ("/c/clothing/", "Oxford Shirt"),
        ("/search/?q=oxford", "Oxford Shirt"),
        ("/", "Oxford Shirt"),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assertContains(response, text)


@pytest.mark.parametrize(
    "change",
    [
        {"status": Product.Status.DRAFT},
        {"status": Product.Status.ARCHIVED},
        {"publish_from": timezone.now() + dt.timedelta(hours=1)},
        {"publish_until": timezone.now() - dt.timedelta(hours=1)},
        "soft_delete",
    ],
    ids=["draft", "archived", "not-yet", "expired", "deleted"],
)
def test_unpublished_product_is_404(client, oxford, change):
    product = oxford[0]
    if change == "soft_delete":
        product.soft_delete()
    else:
        Product.all_objects.filter(pk=product.pk).update(**change)

    assert client.get("/p/oxford-shirt/").status_code == 404
    assert selectors.product_search(query="oxford").total == 0


def test_unpublishing_through_the_services_drops_the_cached_page(
    client, oxford, django_capture_on_commit_callbacks
):
    product = oxford[0]
    assert client.get("/p/oxford-shirt/").status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        services.products_set_status(product_ids=[product.pk], status="archived")

    assert client.get("/p/oxford-shirt/").status_code == 404


def test_soft_deleting_a_product_drops_the_cached_page(
    client, oxford, django_capture_on_commit_callbacks
):
    product = oxford[0]
    assert client.get("/p/oxford-shirt/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        product.soft_delete()
    assert client.get("/p/oxford-shirt/").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        type(product).all_objects.get(pk=product.pk).restore()
    assert client.get("/p/oxford-shirt/").status_code == 200


def test_old_slug_redirects_permanently_after_a_rename(
    client, oxford, django_capture_on_commit_callbacks
):
    product, small, large, _ = oxford
    assert (
        client.get("/p/oxford-shirt/").status_code == 200
    )  # cached under the old slug

    with django_capture_on_commit_callbacks(execute=True):
        services.product_update(product=product, name="New name")

    response = client.get("/p/oxford-shirt/")
    assert response.status_code == 301
    assert response["Location"] == "/p/new-name/"
    with_variant = client.get(f"/p/oxford-shirt/?variant={large.pk}")
    assert with_variant["Location"] == f"/p/new-name/?variant={large.pk}"
    assertContains(client.get("/p/new-name/"), "<h1>New name</h1>", html=True)


def test_old_slug_of_an_unpublished_product_is_404(client, oxford):
    product = oxford[0]
    services.product_update(product=product, name="Renamed", status="draft")

    assert client.get("/p/oxford-shirt/").status_code == 404
    assert client.get("/p/renamed/").status_code == 404


def test_unknown_product_is_404(client, db):
    assert client.get("/p/no-such-thing/").status_code == 404


def test_reviewer_name_is_the_first_name_only(client, oxford):
    product = oxford[0]
    user = UserFactory(full_name="Rita Reviewer", email="rita@example.com")
    ReviewFactory(product=product, user=user, title="Lovely")

    response = client.get("/p/oxford-shirt/")

    assertContains(response, "Rita,")
    assertNotContains(response, "Reviewer")
    assertNotContains(response, "rita@example.com")


def test_product_page_shows_attribute_labels_and_units_in_their_order(client, oxford):
    product = oxford[0]
    services.product_update(
        product=product,
        attributes={"made_in": "Portugal", "weight_g": 180, "iron_free": True},
    )
    for position, (key, label, unit) in enumerate(
        [("weight_g", "Weight", "g"), ("made_in", "Made in", "")]
    ):
        services.attribute_definition_save(
            definition=AttributeDefinition(
                product_type=product.product_type,
                key=key,
                label=label,
                unit=unit,
                position=position,
            )
        )
    page = client.get("/p/oxford-shirt/").content.decode()
    rows = re.findall(r'<th scope="row">([^<]*)</th><td>([^<]*)</td>', page)
    assert rows == [("Weight", "180 g"), ("Made in", "Portugal"), ("Iron free", "Yes")]
