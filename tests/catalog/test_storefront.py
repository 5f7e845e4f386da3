"""Storefront pages and selectors: search, listings, product page, caching, bad input."""

from __future__ import annotations

import copy
import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from apps.catalog import selectors, services
from apps.catalog.models import Category, Product, Review
from tests.accounts.factories import UserFactory
from tests.catalog.factories import (
    CategoryFactory,
    OptionValueFactory,
    ProductFactory,
    ProductImageFactory,
    ProductOptionFactory,
    ProductTypeFactory,
    ProductVariantFactory,
    PromotionFactory,
    ReviewFactory,
    TierPriceFactory,
)

pytestmark = pytest.mark.django_db

# Measured once, asserted exactly: a change in these is a change in the page's cost.
# Category: category by path, rows + window count, variants, prices, promotions, tiers,
# primary images, option facets, subcategories.
CATEGORY_PAGE_QUERIES = 9
# Search with a category and an option filter: the category, SAVEPOINT, trigram threshold
# (SET LOCAL), option values, rows + count, the five prefetches, facets, RELEASE, the
# category menu. (Outside a test transaction the savepoint pair is BEGIN/COMMIT.)
SEARCH_PAGE_QUERIES = 13
# Product: product (+ category, materialized rating, live review average), variants,
# option values, prices, promotions, tiers, images, latest reviews (+ users), breadcrumbs.
PRODUCT_PAGE_QUERIES = 9
# Home: featured categories, their ancestors' slugs, featured products, newest products,
# and the five card prefetches shared by both lists.
HOME_PAGE_QUERIES = 9


@pytest.fixture(autouse=True)
def private_cache(settings):
    """A key prefix of this test's own: the cache starts empty and other runs are untouched."""
    caches = copy.deepcopy(settings.CACHES)
    caches["default"]["KEY_PREFIX"] = f"shop-test-storefront-{uuid.uuid4().hex[:12]}"
    settings.CACHES = caches
    yield
    from django.core.cache import cache

    cache.delete_pattern("*")


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def make_product(name, *, prices=("19.90",), category=None, image=True, **fields):
    product = ProductFactory(
        name=name, category=category or CategoryFactory(), **fields
    )
    for price in prices:
        ProductVariantFactory(product=product, price=Decimal(price))
    if image:
        ProductImageFactory(product=product)
    product.refresh_from_db()
    return product


def names(page) -> list[str]:
    return [p.name for p in page.products]


def search(query="", **kwargs) -> list[str]:
    return names(selectors.product_search(query=query, **kwargs))


@pytest.fixture
def tree():
    clothing = CategoryFactory(name="Clothing")
    shirts = CategoryFactory(name="Shirts", parent=clothing)
    formal = CategoryFactory(name="Formal", parent=shirts)
    garden = CategoryFactory(name="Garden")
    return clothing, shirts, formal, garden


@pytest.fixture
def many_products(tree):
    """30 products across a subtree, with two priced variants, an image, promotions, tiers."""
    clothing, shirts, formal, _ = tree
    size = ProductOptionFactory(name="Size")
    small = OptionValueFactory(option=size, value="S")
    large = OptionValueFactory(option=size, value="L")
    for n in range(30):
        product = ProductFactory(
            name=f"Shirt {n:02d}",
            product_type=size.product_type,
            category=(clothing, shirts, formal)[n % 3],
            in_stock=True,
        )
        s = ProductVariantFactory(
            product=product, price=Decimal("20.00") + n, option_values=[small]
        )
        ProductVariantFactory(
            product=product, price=Decimal("25.00") + n, option_values=[large]
        )
        ProductImageFactory(product=product)
        if n % 2:
            PromotionFactory(variant=s, amount=Decimal("15.00"))
        if n % 5 == 0:
            TierPriceFactory(variant=s, min_quantity=10, amount=Decimal("12.00"))
    return small, large


# --- home ----------------------------------------------------------------------------------


def test_home_shows_featured_categories_featured_and_newest_products(client, tree):
    clothing, shirts, _, garden = tree
    Category.objects.filter(pk=shirts.pk).update(is_featured=True)
    make_product("Featured Tee", category=shirts, is_featured=True)
    make_product("Plain Tee", category=garden)
    make_product("Hidden Tee", category=garden, draft=True)

    response = client.get("/")

    assert response.status_code == 200
    assertContains(response, '<a href="/c/clothing/shirts/">Shirts</a>', html=True)
    assertContains(response, "Featured Tee")
    assertContains(response, "Plain Tee")
    assertNotContains(response, "Hidden Tee")


def test_home_runs_the_same_queries_for_few_or_many_products(
    client, tree, django_assert_num_queries, django_capture_on_commit_callbacks
):
    clothing, shirts, _, _ = tree
    Category.objects.filter(pk=shirts.pk).update(is_featured=True)
    make_product("One", category=clothing, is_featured=True)
    with django_assert_num_queries(HOME_PAGE_QUERIES):
        client.get("/")

    with django_capture_on_commit_callbacks(execute=True):
        for n in range(8):
            make_product(f"More {n}", category=shirts, is_featured=True)
    with django_assert_num_queries(HOME_PAGE_QUERIES):
        response = client.get("/")

    assertContains(response, "More 7")


def test_cached_home_page_runs_no_query(client, tree, django_assert_num_queries):
    make_product("One", category=tree[0], is_featured=True)
    client.get("/")

    with django_assert_num_queries(0):
        response = client.get("/")

    assertContains(response, "One")


# --- category page -------------------------------------------------------------------------


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
    "path", ["/c/shirts/", "/c/clothing/nope/", "/c/garden/shirts/", "/c/a%00b/"]
)
def test_unknown_category_path_is_404(client, tree, path):
    assert client.get(path).status_code == 404


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


# --- search --------------------------------------------------------------------------------


@pytest.fixture
def wardrobe(tree):
    clothing, shirts, formal, garden = tree
    return {
        "oxford": make_product(
            "Oxford Shirt",
            category=formal,
            brand="Acme",
            tags=["cotton", "formal"],
            description="A crisp button-down for the office.",
            prices=("29.90",),
        ),
        "trousers": make_product(
            "Linen Trousers",
            category=clothing,
            brand="Northwind",
            tags=["summer"],
            description="Light trousers to wear with any shirt.",
            prices=("49.90",),
        ),
        "scarf": make_product(
            "Blue Scarf", category=clothing, brand="Acme", prices=("15.00",)
        ),
        "hose": make_product("Garden Hose", category=garden, prices=("35.00",)),
    }


@pytest.mark.parametrize(
    "query, expected",
    [
        ("oxford", "Oxford Shirt"),  # name
        ("northwind", "Linen Trousers"),  # brand
        ("summer", "Linen Trousers"),  # tag
        ("button-down office", "Oxford Shirt"),  # description
        ("blu", "Blue Scarf"),  # a partial word
        ("oxfrod", "Oxford Shirt"),  # a typo
        ("shrit", "Oxford Shirt"),  # a typo
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
    "query, note",
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
        "q=%00",
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
    "query, note",
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


# --- product page --------------------------------------------------------------------------


@pytest.fixture
def oxford(tree):
    formal = tree[2]
    apparel = ProductTypeFactory(name="Shirts")
    size = ProductOptionFactory(product_type=apparel, name="Size")
    small = OptionValueFactory(option=size, value="S")
    large = OptionValueFactory(option=size, value="L")
    product = ProductFactory(
        name="Oxford Shirt",
        product_type=apparel,
        category=formal,
        brand="Acme",
        description="A crisp button-down.",
        attributes={"Material": "Cotton", "Iron free": True},
        seo_description="The best oxford shirt.",
    )
    s = ProductVariantFactory(
        product=product, sku="OX-S", price=Decimal("29.90"), option_values=[small]
    )
    big = ProductVariantFactory(
        product=product,
        sku="OX-L",
        price=Decimal("34.90"),
        option_values=[large],
        in_stock=True,
    )
    PromotionFactory(variant=big, amount=Decimal("31.00"), label="Spring sale")
    TierPriceFactory(variant=s, min_quantity=10, amount=Decimal("25.00"))
    ProductImageFactory(product=product, alt_text="Front view")
    ProductImageFactory(product=product, alt_text="Back view", primary=True)
    verified = ReviewFactory(
        product=product, rating=5, title="Great", verified_purchase=True
    )
    ReviewFactory(product=product, rating=3, title="Fine")
    ReviewFactory(product=product, rating=1, title="Spam", status=Review.Status.PENDING)
    return product, s, big, verified


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


# --- ping ----------------------------------------------------------------------------------


def test_ping_touches_nothing(client, db, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/ping")
    assert response.status_code == 200
    assert response.content == b"pong"
    assert response["Content-Type"].startswith("text/plain")


def test_reviewer_name_is_the_first_name_only(client, oxford):
    product = oxford[0]
    user = UserFactory(full_name="Rita Reviewer", email="rita@example.com")
    ReviewFactory(product=product, user=user, title="Lovely")

    response = client.get("/p/oxford-shirt/")

    assertContains(response, "Rita,")
    assertNotContains(response, "Reviewer")
    assertNotContains(response, "rita@example.com")
