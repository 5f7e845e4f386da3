"""Search relevance: a small catalog of look-alike names and the queries that used to mix them
up ("headphone" found phones, a quilt cover and a dry bag; "quilt" found a camera lens).

Each row of RELEVANCE: the query, the products that must be found, the products that must not,
and the "did you mean …" the page must offer ("" for none).
"""

from __future__ import annotations

import pytest
from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models.sql import Query
from pytest_django.asserts import assertContains, assertNotContains

from apps.catalog import selectors, services
from apps.catalog.models import Product, SearchWord
from apps.catalog.selectors import search as search_module
from tests.catalog.factories import CategoryFactory, ProductFactory, ProductTypeFactory

from .helpers import search

pytestmark = pytest.mark.django_db

CATALOG = [
    # name, brand, tags, description
    (
        "Studio Wireless Headphones",
        "Sonora",
        ["audio", "bluetooth"],
        "Over-ear headphones with 30 hours of battery and active noise cancelling.",
    ),
    (
        "Folding Kids Headphone",
        "Sonora",
        ["audio"],
        "Light foldable headphones for children, with a volume limit.",
    ),
    (
        "Spark 9 Smartphone",
        "Nexalink",
        ["mobile"],
        "A 6.1-inch phone with a 48 MP main sensor and all-day battery.",
    ),
    (
        "Slim Phone Case",
        "Voltra",
        ["mobile"],
        "A clear cover that fits the Spark 9 smartphone.",
    ),
    (
        "Handmade Quilt Cover",
        "Hearth & Oak",
        ["bedroom", "cotton"],
        "A cotton cover with buttons, for a double duvet.",
    ),
    (
        "Heavyweight Wool Throw",
        "Hearth & Oak",
        ["living room"],
        "A warm woollen throw for the sofa.",
    ),
    (
        "Reflective Dry Bag",
        "Summitline",
        ["outdoor", "waterproof"],
        "A roll-top bag that keeps your gear dry on the water.",
    ),
    (
        "Roomy Gym Bag",
        "Peakform",
        ["fitness"],
        "A bag with a shoe pocket for the gym.",
    ),
    (
        "Wide-Angle Camera Lens",
        "Quantix",
        ["photo"],
        "A 16 mm wide-angle lens for mirrorless cameras.",
    ),
    (
        "Full-Frame Mirrorless Camera",
        "Aurel",
        ["photo"],
        "A 24 MP full-frame body for travel and studio work.",
    ),
    (
        "Quantix Vertical Mouse",
        "Quantix",
        ["office"],
        "An upright mouse that is kind to the wrist.",
    ),
    (
        "Leather Chelsea Boot",
        "Stride Society",
        ["shoes"],
        "A suede-lined boot with elastic sides.",
    ),
]

HEADPHONES = ["Studio Wireless Headphones", "Folding Kids Headphone"]
NOT_HEADPHONES = [
    "Spark 9 Smartphone",
    "Slim Phone Case",
    "Handmade Quilt Cover",
    "Heavyweight Wool Throw",
    "Reflective Dry Bag",
]

RELEVANCE = [
    # query, must appear, must not appear, did you mean
    ("headphone", HEADPHONES, NOT_HEADPHONES, ""),
    ("headphones", HEADPHONES, NOT_HEADPHONES, ""),
    ("Headphones!", HEADPHONES, NOT_HEADPHONES, ""),
    ("hedphones", HEADPHONES, NOT_HEADPHONES, "headphones"),
    (
        "quilt",
        ["Handmade Quilt Cover"],
        ["Wide-Angle Camera Lens", "Quantix Vertical Mouse", "Heavyweight Wool Throw"],
        "",
    ),
    (
        "quilts",
        ["Handmade Quilt Cover"],
        ["Wide-Angle Camera Lens", "Quantix Vertical Mouse"],
        "",
    ),
    ("qilt", ["Handmade Quilt Cover"], ["Quantix Vertical Mouse"], "quilt"),
    (
        "lens",
        ["Wide-Angle Camera Lens"],
        ["Leather Chelsea Boot", "Slim Phone Case"],
        "",
    ),
    (
        "phone",
        ["Slim Phone Case", "Spark 9 Smartphone"],
        HEADPHONES,
        "",
    ),
    (
        "phone case",
        ["Slim Phone Case"],
        [*HEADPHONES, "Handmade Quilt Cover", "Leather Chelsea Boot"],
        "",
    ),
    (
        "dry bag",
        ["Reflective Dry Bag"],
        ["Roomy Gym Bag", "Handmade Quilt Cover", *HEADPHONES],
        "",
    ),
    (
        "wireless headphones",
        ["Studio Wireless Headphones"],
        ["Folding Kids Headphone", "Spark 9 Smartphone"],
        "",
    ),
    (
        "camera lens",
        ["Wide-Angle Camera Lens"],
        ["Full-Frame Mirrorless Camera", "Slim Phone Case"],
        "",
    ),
    (
        "camra",
        ["Full-Frame Mirrorless Camera", "Wide-Angle Camera Lens"],
        ["Handmade Quilt Cover", "Spark 9 Smartphone"],
        "camera",
    ),
    ("wireles hedphones", [], [], "wireless headphones"),
    ("shrit", [], [p[0] for p in CATALOG], ""),  # no shirt in this catalog: nothing
]


@pytest.fixture
def catalog():
    category = CategoryFactory(name="Everything")
    product_type = ProductTypeFactory(name="Goods")
    for name, brand, tags, description in CATALOG:
        ProductFactory(
            name=name,
            brand=brand,
            tags=tags,
            description=description,
            category=category,
            product_type=product_type,
        )
    services.search_words_refresh()


@pytest.mark.parametrize(
    ("query", "must", "must_not", "suggestion"),
    RELEVANCE,
    ids=[row[0] for row in RELEVANCE],
)
def test_search_relevance(catalog, query, must, must_not, suggestion):
    page = selectors.product_search(query=query, per_page=100)
    found = [p.name for p in page.products]

    assert set(must) <= set(found), found
    assert not set(must_not) & set(found), found
    assert page.suggestion == suggestion


def test_a_real_match_ranks_first(catalog):
    assert (
        search("headphones")[0] == "Studio Wireless Headphones"
    )  # name and description
    assert search("camera lens")[0] == "Wide-Angle Camera Lens"


def test_the_page_offers_the_corrected_query_as_a_link(client, catalog):
    response = client.get("/search/?q=hedphones&sort=price")

    assertContains(
        response,
        'Did you mean <a href="/search/?q=headphones&amp;sort=price">headphones</a>?',
        html=True,
    )
    assertContains(response, "Studio Wireless Headphones")


def test_no_suggestion_when_full_text_finds_enough(client, catalog):
    ProductFactory(name="Travel Headphones", category=CategoryFactory())

    assertNotContains(client.get("/search/?q=headphones"), "Did you mean")


def test_a_misspelling_costs_two_queries_and_a_query_that_matches_none(
    client, catalog, django_assert_num_queries
):
    # SAVEPOINT, search settings, the matching ids, rows + count, the cards' images and
    # prices (one query), facets, RELEASE, the category menu. Three full-text results are
    # enough: no look at the words.
    ProductFactory(name="Travel Headphones", category=CategoryFactory())
    with django_assert_num_queries(8):
        client.get("/search/?q=headphones")
    # The misspelling: the catalog's words for the correction ("did you mean", shown too),
    # then the corrected words' matching ids: no trigram matching over product names.
    with django_assert_num_queries(10):
        response = client.get("/search/?q=hedphones")
    assertContains(response, "Travel Headphones")
    assertContains(response, "Did you mean")


def test_a_word_the_catalog_does_not_know_falls_back_to_names_close_to_it(catalog):
    # "Headfones" is not in the vocabulary (refreshed before it was added), and no catalog
    # word is close enough to correct "hedfones": names close by trigrams find it.
    ProductFactory(name="Headfones Deluxe", category=CategoryFactory())
    page = selectors.product_search(query="hedfones")
    assert [p.name for p in page.products] == ["Headfones Deluxe"]


def test_words_of_unpublished_products_are_never_suggested(catalog):
    ProductFactory(name="Zephyrion Prototype", draft=True, category=CategoryFactory())
    services.search_words_refresh()

    assert not SearchWord.objects.filter(word="zephyrion").exists()
    assert selectors.search_suggestion("zephyrio") == ""


def test_the_vocabulary_follows_the_catalog_after_a_refresh(catalog):
    ProductFactory(name="Tandem Kayak", category=CategoryFactory())
    assert selectors.search_suggestion("kayek") == ""

    services.search_words_refresh()

    assert selectors.search_suggestion("kayek") == "kayak"
    assert SearchWord.objects.get(word="quilt").products == 1


@pytest.mark.parametrize(
    ("query", "suggestion"),
    [
        ("the quilt", ""),  # every word known (a stop word, a catalog word)
        (
            "quilt with buttons",
            "",
        ),  # "buttons" (a description's) is near no catalog word
        ("blu", ""),  # too short to correct
        ("spark 9 smartphnoe", "spark 9 smartphone"),  # a swap is one edit
        ("xyzzyq", ""),  # nothing near
    ],
)
def test_search_suggestion(catalog, query, suggestion):
    assert selectors.search_suggestion(query) == suggestion


@pytest.mark.parametrize(
    ("a", "b", "edits"),
    [
        ("shrit", "shirt", 1),
        ("hedphones", "headphones", 1),
        ("headfones", "headphones", 2),
        ("quilt", "quilt", 0),
        ("", "abc", 3),
    ],
)
def test_edit_distance(a, b, edits):
    assert selectors.edit_distance(a, b) == edits


def test_typo_matching_reads_the_one_trigram_index_on_the_name(catalog):
    # The admin's index on UPPER(name) answers it: no second trigram index on the name to
    # keep up on every write of a product.
    typos = search_module._typos(selectors.products_published(), "hedfones")
    ids = ArraySubquery(typos.order_by().values("pk")[:10])
    query = Query(Product)
    sql, params = query.get_compiler(connection=connection).compile(
        ids.resolve_expression(query)
    )
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN SELECT {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    # The condition is on the indexed expression (on a table this small the planner may
    # still prefer another path), and that index is the name's only trigram index.
    assert "(upper((name)::text) %> 'hedfones'::text)" in plan
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'catalog_product'"
            " AND indexdef LIKE '%%gin_trgm_ops%%' AND indexdef LIKE '%%(name)%%'"
        )
        assert [row[0] for row in cursor.fetchall()] == ["catalog_product_name_up_trgm"]
