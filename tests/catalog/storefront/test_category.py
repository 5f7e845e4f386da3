"""Category pages: the whole subtree, sorting and paging, fixed queries, cached fragments."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from apps.accounts import services
from apps.catalog import selectors
from apps.catalog import services as catalog_services
from apps.catalog.models import Category, CategoryListing, Product, ProductVariant
from tests.accounts.factories import UserFactory
from tests.catalog.factories import (
    CategoryFactory,
    OptionValueFactory,
    ProductFactory,
    ProductVariantFactory,
)

from .helpers import make_product

pytestmark = pytest.mark.django_db

# Measured once, asserted exactly: a change in this is a change in the page's cost.
# Category: category by path (with its subcategories), its precomputed count and option
# values, rows, the cards' images and prices (one query), option facets.
CATEGORY_PAGE_QUERIES = 5


def test_category_page_lists_the_whole_subtree(client, tree):
    clothing, shirts, formal, garden = tree
    make_product("Top Level Tee", category=clothing)
    make_product("Child Shirt", category=shirts)
    make_product("Grandchild Blazer", category=formal)
    make_product("Rake", category=garden)

    response = client.get("/c/clothing/")

    assert response.status_code == 200
    for name in ("Top Level Tee", "Child Shirt", "Grandchild Blazer"):
        assertContains(response, name)
    assertNotContains(response, "Rake")
    assertContains(response, "<title>Clothing · The Shop</title>", html=True)
    # Subcategory links and breadcrumbs use the slug path.
    assertContains(response, '<a href="/c/clothing/shirts/">Shirts</a>', html=True)
    child = client.get("/c/clothing/shirts/formal/")
    assertContains(child, "Grandchild Blazer")
    assertNotContains(child, "Child Shirt")
    assertContains(child, '<a href="/c/clothing/shirts/">Shirts</a>', html=True)


@pytest.mark.parametrize(
    "path", ["/c/shirts/", "/c/clothing/nope/", "/c/garden/shirts/"]
)
def test_unknown_category_path_is_404(client, tree, path):
    assert client.get(path).status_code == 404


def test_a_customers_page_size_preference_sizes_the_category_and_search_pages(
    client, many_products, settings
):
    # given the shop's 24 per page and a customer who chose 12
    settings.CATALOG_PER_PAGE = 24
    customer = UserFactory()
    services.preferences_update(user=customer, changes={"items_per_page": 12})
    client.force_login(customer)

    category_page = client.get("/c/clothing/")
    search_page = client.get("/search/?q=shirt")
    third_page = client.get("/c/clothing/?page=3")

    assert category_page.content.decode().count('class="product-card"') == 12
    assertContains(category_page, "1–12 of 30 products")
    assert search_page.content.decode().count('class="product-card"') == 12
    assert third_page.content.decode().count('class="product-card"') == 6
    # anyone else still gets the shop's page size (the cached page of 12 is not theirs)
    client.logout()
    assert (
        client.get("/c/clothing/").content.decode().count('class="product-card"') == 24
    )


def test_category_page_query_count_does_not_depend_on_page_size(
    client, many_products, settings, django_assert_num_queries
):
    catalog_services.category_listings_refresh()
    settings.CATALOG_PER_PAGE = 5
    with django_assert_num_queries(CATEGORY_PAGE_QUERIES):
        small_page = client.get("/c/clothing/")
    settings.CATALOG_PER_PAGE = 24
    with django_assert_num_queries(CATEGORY_PAGE_QUERIES):
        big_page = client.get("/c/clothing/")

    assert small_page.content.decode().count('class="product-card"') == 5
    assert big_page.content.decode().count('class="product-card"') == 24
    assertContains(big_page, "1–24 of 30 products")


def test_category_the_last_refresh_did_not_see_is_counted_live(
    client, many_products, django_assert_num_queries
):
    # given listings refreshed before a new subcategory got its products
    clothing = Category.objects.get(slug="clothing")
    catalog_services.category_listings_refresh()
    sale = CategoryFactory(name="Sale", parent=clothing)
    for n in range(3):
        make_product(f"Sale Item {n}", category=sale)

    # counted live by the rows' query (a window count), the facets by a pass over variants
    with django_assert_num_queries(CATEGORY_PAGE_QUERIES):
        response = client.get("/c/clothing/sale/")

    assertContains(response, "1–3 of 3 products")
    assertContains(response, "Sale Item 2")


def test_past_the_last_page_shows_the_last_page_by_the_precomputed_count(
    client, many_products, django_assert_num_queries
):
    catalog_services.category_listings_refresh()
    # the rows of page 9 (none), then those of the last page: no count of the subtree
    with django_assert_num_queries(CATEGORY_PAGE_QUERIES + 1):
        response = client.get("/c/clothing/?page=9")

    assertContains(response, "25–30 of 30 products")
    assertContains(response, "There is no page 9; this is the last page (2).")


def test_past_the_last_page_is_counted_live_when_the_precomputed_count_is_out_of_date(
    client, many_products, settings
):
    # given: the refresh saw 30 products; 10 of them are drafts now (the view not refreshed)
    catalog_services.category_listings_refresh()
    Product.objects.filter(name__in=[f"Shirt {n:02d}" for n in range(10)]).update(
        status=Product.Status.DRAFT
    )
    settings.CATALOG_PER_PAGE = 10
    # when: page 9 is asked for: the precomputed count (30) points at page 3, now empty
    response = client.get("/c/clothing/?page=9")
    # then: the live count (20) finds the last page
    assertContains(response, "11–20 of 20 products")
    assertContains(response, "There is no page 9; this is the last page (2).")


def test_past_the_last_page_is_counted_live_when_products_were_added_since_the_count(
    client, many_products, settings
):
    # given: the refresh saw 30 products; 10 more came since (the view not refreshed)
    catalog_services.category_listings_refresh()
    clothing = Category.objects.get(slug="clothing")
    for n in range(10):
        make_product(f"New Arrival {n}", category=clothing)
    settings.CATALOG_PER_PAGE = 10
    # when: page 9 is asked for: the precomputed count (30) points at a full page 3,
    # and a product follows it
    response = client.get("/c/clothing/?page=9")
    # then: the live count (40) finds the real last page
    assertContains(response, "31–40 of 40 products")
    assertContains(response, "There is no page 9; this is the last page (4).")


def test_cached_category_page_runs_no_query_for_anonymous_visitors(
    client, many_products, django_assert_num_queries
):
    client.get("/c/clothing/?sort=price&page=2")
    with django_assert_num_queries(0):
        response = client.get(
            "/c/clothing/?page=2&sort=price"
        )  # same page, other order
    assertContains(response, "25–30 of 30 products")
    assertContains(response, "Shirt 29")


def test_cached_category_page_for_a_signed_in_customer_only_resolves_the_category(
    client, many_products, customer, django_assert_num_queries
):
    client.force_login(customer)
    client.get("/c/clothing/?sort=price&page=2")
    with django_assert_num_queries(3):  # session, user, the category
        response = client.get("/c/clothing/?sort=price&page=2")
    assertContains(response, "25–30 of 30 products")
    assertContains(response, customer.get_short_name())


def test_category_listing_fragment_is_invalidated_by_a_new_product(
    client, tree, django_capture_on_commit_callbacks
):
    clothing = tree[0]
    make_product("First", category=clothing)
    assertNotContains(client.get("/c/clothing/"), "Second")

    with django_capture_on_commit_callbacks(execute=True):
        make_product("Second", category=clothing)

    assertContains(client.get("/c/clothing/"), "Second")


def test_category_page_sorts_and_paginates(client, tree, settings):
    settings.CATALOG_PER_PAGE = 2
    clothing = tree[0]
    for name, price in [("Mid", "20.00"), ("Cheap", "10.00"), ("Dear", "30.00")]:
        make_product(name, category=clothing, prices=(price,))

    def listed(query):
        html = client.get(f"/c/clothing/{query}").content.decode()
        shown = [n for n in ("Cheap", "Mid", "Dear") if f">{n}<" in html]
        return sorted(shown, key=lambda n: html.index(f">{n}<"))

    assert listed("?sort=price") == ["Cheap", "Mid"]
    assert listed("?sort=price&page=2") == ["Dear"]
    assert listed("?sort=-price") == ["Dear", "Mid"]
    assert listed("?sort=-price&page=2") == ["Cheap"]
    assert listed("") == ["Dear", "Cheap"]  # newest first
    assert listed("?page=2") == ["Mid"]


# --- precomputed counts and option values ----------------------------------------------------


def _live(category):
    """Published products of a subtree and their active variants' option values, counted
    here without the materialized view."""
    published = selectors.products_published()
    if category is not None:
        published = published.filter(category__path__startswith=category.path)
    values = ProductVariant.objects.filter(
        product__in=published, is_active=True
    ).values_list("option_values", flat=True)
    return published.count(), sorted({v for v in values if v is not None})


def test_precomputed_listings_equal_the_live_counts_and_option_values(
    tree, many_products
):
    # given products the storefront must not count: a draft, a deleted one, one not yet
    # published, one whose only variant with a value is inactive, one with a deleted variant
    clothing, shirts, formal, garden = tree
    small, large = many_products
    size = small.option
    medium = OptionValueFactory(option=size, value="M")
    xl = OptionValueFactory(option=size, value="XL")
    xs = OptionValueFactory(option=size, value="XS")
    ProductVariantFactory(
        product=ProductFactory(category=garden, draft=True), option_values=[medium]
    )
    gone = ProductFactory(category=garden)
    ProductVariantFactory(product=gone, option_values=[medium])
    gone.soft_delete()
    ProductVariantFactory(
        product=ProductFactory(
            category=formal, publish_from=timezone.now() + dt.timedelta(days=1)
        ),
        option_values=[xl],
    )
    ProductVariantFactory(
        product=ProductFactory(category=shirts), option_values=[xl], is_active=False
    )
    with_deleted = ProductFactory(category=garden)
    ProductVariantFactory(product=with_deleted, option_values=[large])
    ProductVariantFactory(product=with_deleted, option_values=[xs]).soft_delete()

    catalog_services.category_listings_refresh()

    rows = {row.category_id: row for row in CategoryListing.objects.all()}
    assert set(rows) == {0, *(c.pk for c in tree)}
    for category in [None, *tree]:
        row = rows[category.pk if category else 0]
        assert (row.products, sorted(row.option_value_ids)) == _live(category)
    assert (rows[clothing.pk].products, rows[garden.pk].products) == (31, 1)
    assert sorted(rows[garden.pk].option_value_ids) == [large.pk]


def test_unfiltered_and_filtered_pages_agree_after_a_refresh(client, many_products):
    small, large = many_products
    catalog_services.category_listings_refresh()

    unfiltered = client.get("/c/clothing/shirts/")
    filtered = client.get(f"/c/clothing/shirts/?option={small.pk}&option={large.pk}")

    assertContains(unfiltered, "1–20 of 20 products")
    assertContains(filtered, "1–20 of 20 products")
    for response in (unfiltered, filtered):
        assertContains(response, f'value="{small.pk}"')
        assertContains(response, f'value="{large.pk}"')


# --- what a change makes cold ------------------------------------------------------------


def test_a_product_change_leaves_other_categories_listings_cached(
    client, tree, django_capture_on_commit_callbacks, django_assert_num_queries
):
    clothing, shirts, formal, garden = tree
    make_product("Hose", category=garden)
    client.get("/c/garden/")

    with django_capture_on_commit_callbacks(execute=True):
        make_product("Blazer", category=formal)

    with django_assert_num_queries(0):  # still the cached page
        assertContains(client.get("/c/garden/"), "Hose")
    # the changed category, its ancestors and the home page show it at once
    for path in ("/c/clothing/shirts/formal/", "/c/clothing/", "/"):
        assertContains(client.get(path), "Blazer")


def test_moving_a_product_refreshes_the_old_category_listing_too(
    client, tree, django_capture_on_commit_callbacks
):
    clothing, shirts, formal, garden = tree
    product = make_product("Wanderer", category=formal)
    assertContains(client.get("/c/clothing/shirts/"), "Wanderer")
    assertNotContains(client.get("/c/garden/"), "Wanderer")

    with django_capture_on_commit_callbacks(execute=True):
        catalog_services.product_update(product=product, category=garden)

    assertNotContains(client.get("/c/clothing/shirts/"), "Wanderer")
    assertContains(client.get("/c/garden/"), "Wanderer")
