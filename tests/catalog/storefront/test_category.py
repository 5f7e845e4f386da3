"""Category pages: the whole subtree, sorting and paging, fixed queries, cached fragments."""

from __future__ import annotations

import pytest
from pytest_django.asserts import assertContains, assertNotContains

from apps.accounts import services
from tests.accounts.factories import UserFactory

from .helpers import make_product

pytestmark = pytest.mark.django_db

# Measured once, asserted exactly: a change in this is a change in the page's cost.
# Category: category by path, rows + window count, variants, prices, promotions, tiers,
# primary images, option facets, subcategories.
CATEGORY_PAGE_QUERIES = 9


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
    settings.CATALOG_PER_PAGE = 5
    with django_assert_num_queries(CATEGORY_PAGE_QUERIES):
        small_page = client.get("/c/clothing/")
    settings.CATALOG_PER_PAGE = 24
    with django_assert_num_queries(CATEGORY_PAGE_QUERIES):
        big_page = client.get("/c/clothing/")

    assert small_page.content.decode().count('class="product-card"') == 5
    assert big_page.content.decode().count('class="product-card"') == 24
    assertContains(big_page, "1–24 of 30 products")


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
