"""Search: matching, ranking, filters, facets, sorting, paging, caching, bad and odd input."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from pytest_django.asserts import assertContains

from apps.catalog import selectors
from apps.catalog import services as catalog_services
from apps.catalog.models import Product, ProductFacets
from tests.catalog.factories import (
    CategoryFactory,
    OptionValueFactory,
    ProductFactory,
    ProductOptionFactory,
    ProductTypeFactory,
    ProductVariantFactory,
)

from .helpers import make_product, names, search

pytestmark = pytest.mark.django_db

# Measured once, asserted exactly: a change in this is a change in the page's cost.
# Search with a category and an option filter: the category, SAVEPOINT, trigram threshold
# and no parallel workers (SET LOCAL), option values, the matching ids, rows + count, the
# cards' images and prices (one query), facets, RELEASE, the category menu. (Outside a
# test transaction the savepoint pair is BEGIN/COMMIT.)
SEARCH_PAGE_QUERIES = 10


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("oxford", "Oxford Shirt"),  # name
        ("northwind", "Linen Trousers"),  # brand
        ("summer", "Linen Trousers"),  # tag
        ("button-down office", "Oxford Shirt"),  # description
        ("blu", "Blue Scarf"),  # a partial word
        ("oxfrod", "Oxford Shirt"),  # a typo
        ("oxfort", "Oxford Shirt"),  # a typo
        ("shirts", "Oxford Shirt"),  # another form of a word of the name
        ("hose garden", "Garden Hose"),  # words in any order
    ],
)
def test_search_finds(wardrobe, query, expected):
    assert search(query)[0] == expected


def test_search_ranks_a_name_match_above_a_description_match(wardrobe):
    found = search("shirt")
    assert found[:2] == ["Oxford Shirt", "Linen Trousers"]


def test_search_only_finds_published_products(wardrobe):
    future = timezone.now() + dt.timedelta(days=1)
    make_product("Oxford Draft", draft=True)
    make_product("Oxford Archived", archived=True)
    make_product("Oxford Later", publish_from=future)
    make_product("Oxford Gone").soft_delete()

    assert search("oxford") == ["Oxford Shirt"]


def test_search_total_and_pages(tree):
    for n in range(7):
        make_product(f"Lamp {n}", category=tree[3])

    first = selectors.product_search(query="lamp", per_page=3, sort="newest")
    last = selectors.product_search(query="lamp", per_page=3, page=3, sort="newest")
    beyond = selectors.product_search(query="lamp", per_page=3, page=9, sort="newest")

    assert (first.total, first.num_pages, names(first)) == (
        7,
        3,
        ["Lamp 6", "Lamp 5", "Lamp 4"],
    )
    assert (last.number, names(last), last.has_next) == (3, ["Lamp 0"], False)
    assert (beyond.number, names(beyond), beyond.clamped) == (3, ["Lamp 0"], True)
    assert selectors.product_search(query="nothing-like-it").total == 0


def test_search_filters_by_category_subtree(wardrobe, tree):
    clothing, shirts, formal, garden = tree
    assert set(search(category=clothing)) == {
        "Oxford Shirt",  # a grandchild of Clothing
        "Linen Trousers",
        "Blue Scarf",
    }
    assert search(category=shirts) == ["Oxford Shirt"]
    assert search(category=garden) == ["Garden Hose"]


def test_search_filters_by_price_range_and_stock(wardrobe):
    Product.objects.filter(pk=wardrobe["scarf"].pk).update(in_stock=True)
    Product.objects.filter(pk=wardrobe["hose"].pk).update(in_stock=True)

    assert search(min_price=Decimal("20"), max_price=Decimal("40"), sort="price") == [
        "Oxford Shirt",
        "Garden Hose",
    ]
    assert search(max_price=Decimal("15.00")) == ["Blue Scarf"]
    assert set(search(in_stock=True)) == {"Blue Scarf", "Garden Hose"}


def test_search_filters_by_option_values_on_one_variant(tree):
    apparel = ProductTypeFactory(name="Apparel")
    size = ProductOptionFactory(product_type=apparel, name="Size")
    colour = ProductOptionFactory(product_type=apparel, name="Colour", position=1)
    s, m, large = (
        OptionValueFactory(option=size, value=v, position=i)
        for i, v in enumerate(("S", "M", "L"))
    )
    red, blue = (
        OptionValueFactory(option=colour, value=v, position=i)
        for i, v in enumerate(("Red", "Blue"))
    )
    a = ProductFactory(name="Tee A", product_type=apparel, category=tree[0])
    ProductVariantFactory(product=a, option_values=[s, red])
    ProductVariantFactory(product=a, option_values=[large, blue])
    b = ProductFactory(name="Tee B", product_type=apparel, category=tree[0])
    ProductVariantFactory(product=b, option_values=[large, red])
    c = ProductFactory(name="Tee C", product_type=apparel, category=tree[0])
    ProductVariantFactory(product=c, option_values=[m], is_active=False)

    assert set(search(option_value_ids=[large.pk])) == {"Tee A", "Tee B"}
    assert search(option_value_ids=[large.pk, blue.pk]) == ["Tee A"]
    assert search(option_value_ids=[large.pk, red.pk]) == ["Tee B"]
    assert search(option_value_ids=[s.pk, m.pk]) == [
        "Tee A"
    ]  # S or M; C's M is inactive
    assert search(option_value_ids=[999_999]) == ["Tee C", "Tee B", "Tee A"]
    page = selectors.product_search(query="tee", with_facets=True)
    assert [v.value for v in page.facets] == ["S", "L", "Red", "Blue"]


def test_search_facets_are_precomputed_per_product_and_read_live_for_new_ones(tree):
    # given: two products seen by a refresh, then one more, and an option of the first
    # changed after the refresh
    size = ProductOptionFactory(name="Size")
    s, m, large = (
        OptionValueFactory(option=size, value=v, position=n)
        for n, v in enumerate(("S", "M", "L"))
    )
    a = ProductFactory(name="Tee A", product_type=size.product_type, category=tree[0])
    a_variant = ProductVariantFactory(product=a, option_values=[s])
    b = ProductFactory(name="Tee B", product_type=size.product_type, category=tree[0])
    ProductVariantFactory(product=b, option_values=[m])
    catalog_services.category_listings_refresh()
    assert dict(
        ProductFacets.objects.values_list("product_id", "option_value_ids")
    ) == {
        a.pk: [s.pk],
        b.pk: [m.pk],
    }
    c = ProductFactory(name="Tee C", product_type=size.product_type, category=tree[0])
    ProductVariantFactory(product=c, option_values=[large])
    a_variant.option_values.set([])

    def facets() -> list[str]:
        page = selectors.product_search(query="tee", with_facets=True)
        return [v.value for v in page.facets]

    # then: the new product's options are there at once (read live), the changed one's
    # precomputed values until the next refresh
    assert facets() == ["S", "M", "L"]
    catalog_services.category_listings_refresh()
    assert facets() == ["M", "L"]


def test_search_sorts(wardrobe):
    assert search(sort="price") == [
        "Blue Scarf",
        "Oxford Shirt",
        "Garden Hose",
        "Linen Trousers",
    ]
    assert search(sort="-price")[0] == "Linen Trousers"
    assert search(sort="newest")[0] == "Garden Hose"
    assert search("acme", sort="price") == ["Blue Scarf", "Oxford Shirt"]
    assert search(sort="bogus") == search(sort="newest")


def test_search_page_query_count_does_not_depend_on_page_size(
    client, many_products, tree, settings, django_assert_num_queries
):
    small, large = many_products
    url = f"/search/?q=shirt&category={tree[0].pk}&option={large.pk}&min_price=1"
    settings.CATALOG_PER_PAGE = 5
    with django_assert_num_queries(SEARCH_PAGE_QUERIES):
        small_page = client.get(url)
    settings.CATALOG_PER_PAGE = 24
    with django_assert_num_queries(SEARCH_PAGE_QUERIES):
        big_page = client.get(url)

    assert small_page.content.decode().count('class="product-card"') == 5
    assert big_page.content.decode().count('class="product-card"') == 24
    assertContains(big_page, "1–24 of 30 products")


def test_cached_search_page_runs_no_query(client, wardrobe, django_assert_num_queries):
    client.get("/search/?q=shirt")

    with django_assert_num_queries(0):
        response = client.get("/search/?q=shirt")

    assertContains(response, "Oxford Shirt")
    assertContains(response, 'value="shirt"')


def test_search_fragment_is_invalidated_by_a_new_product(
    client, wardrobe, django_capture_on_commit_callbacks
):
    client.get("/search/?q=shirt")
    with django_capture_on_commit_callbacks(execute=True):
        make_product("Flannel Shirt")

    assertContains(client.get("/search/?q=shirt"), "Flannel Shirt")


def test_search_page_shows_results_and_keeps_the_query(client, wardrobe):
    response = client.get("/search/?q=oxfrod")

    assert response.status_code == 200
    assertContains(response, '<a class="card-link" href="/p/oxford-shirt/">', count=1)
    assertContains(response, 'value="oxfrod"')
    assertContains(response, "<strong>€29.90</strong>", html=True)


@pytest.mark.parametrize(
    ("query", "note"),
    [
        ("page=abc", "That page number is not valid"),
        ("page=0", "That page number is not valid"),
        ("page=99999999999999999999", "That page number is not valid"),
        ("min_price=xyz", "is not an amount"),
        ("max_price=NaN", "is not an amount"),
        ("min_price=-5", "is not an amount"),
        ("max_price=1e999", "is not an amount"),
        ("sort=bogus", "That sort order is not known"),
        ("option=abc", "An option filter is not valid"),
        ("option=999999", "An option filter does not exist any more"),
        ("in_stock=maybe", "The in-stock filter is not valid"),
        ("category=abc", "That category filter is not valid"),
        ("category=999999", "That category does not exist"),
        ("min_price=30&max_price=10", "were swapped"),
        ("page=50", "There is no page 50; this is the last page (1)."),
    ],
)
def test_search_bad_parameters_are_ignored_with_a_note(client, wardrobe, query, note):
    response = client.get(f"/search/?q=shirt&{query}")

    assert response.status_code == 200
    assertContains(response, note)
    assertContains(response, "Oxford Shirt")


@pytest.mark.parametrize(
    "query",
    [
        "q=" + "x" * 5000,
        "q=!!!%20%26%7C",
        "q='):*%20%26%20!",
        "q=%F0%9F%91%95",
        "option=1&option=x&option=-3",
        "page=-1&sort=&min_price=&max_price=",
    ],
)
def test_search_survives_odd_input(client, wardrobe, query):
    assert client.get(f"/search/?{query}").status_code == 200


@pytest.mark.parametrize(
    ("query", "note"),
    [
        ("page=abc", "That page number is not valid"),
        ("min_price=xyz", "is not an amount"),
        ("sort=relevance", "That sort order is not known"),
        ("option=abc", "An option filter is not valid"),
        ("page=7", "There is no page 7; this is the last page (1)."),
    ],
)
def test_category_bad_parameters_are_ignored_with_a_note(client, wardrobe, query, note):
    response = client.get(f"/c/clothing/?{query}")

    assert response.status_code == 200
    assertContains(response, note)
    assertContains(response, "Blue Scarf")


def test_the_category_menu_lists_the_tree_indented_with_the_chosen_one_selected(
    client, tree
):
    clothing, shirts, formal, garden = tree
    odd = CategoryFactory(name='<b>"Odd" & Co</b>', parent=garden)

    html = client.get(f"/search/?q=shirt&category={shirts.pk}").content.decode()

    menu = html[html.index('<select id="f-category"') : html.index("</select>")]
    indent = "\u2003"
    assert re.findall(r"<option [^>]*>[^<]*</option>", menu) == [
        '<option value="">All categories</option>',
        f'<option value="{clothing.pk}">Clothing</option>',
        f'<option value="{shirts.pk}" selected>{indent}Shirts</option>',
        f'<option value="{formal.pk}">{indent * 2}Formal</option>',
        f'<option value="{garden.pk}">Garden</option>',
        f'<option value="{odd.pk}">{indent}&lt;b&gt;&quot;Odd&quot; &amp; Co&lt;/b&gt;</option>',
    ]
