"""The home page (featured and newest products, fixed queries, cached) and /ping."""

from __future__ import annotations

import pytest
from pytest_django.asserts import assertContains, assertNotContains

from apps.catalog.models import Category

from .helpers import make_product

pytestmark = pytest.mark.django_db

# Measured once, asserted exactly: a change in this is a change in the page's cost.
# Home: featured categories, their ancestors' slugs, featured products, newest products,
# and the cards' images and prices, read in one query for both lists.
HOME_PAGE_QUERIES = 5


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


def test_ping_touches_nothing(client, db, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/ping")
    assert response.status_code == 200
    assert response.content == b"pong"
    assert response["Content-Type"].startswith("text/plain")


def test_cached_home_page_for_a_signed_in_customer_runs_only_the_session_queries(
    client, tree, customer, django_assert_num_queries
):
    # The listing fragment is shared; only the page around it is the customer's own.
    make_product("One", category=tree[0], is_featured=True)
    client.get("/")
    client.force_login(customer)

    with django_assert_num_queries(2):  # session, user
        response = client.get("/")

    assertContains(response, "One")
    assertContains(response, customer.get_short_name())
