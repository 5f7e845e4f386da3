"""Catalog maintenance jobs."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.catalog import services
from apps.catalog.models import ProductType


@pytest.mark.django_db(transaction=True)
def test_ratings_view_is_refreshed_by_the_job(customer):
    from apps.auditing.jobs import job_execute
    from apps.catalog.models import ProductRating

    root = services.category_create(name="R")
    product = services.product_create(
        product_type=ProductType.objects.create(name="T"), category=root, name="Rated"
    )
    review = services.review_submit(product=product, actor=customer, rating=4)
    services.review_moderate(review=review, status="approved")
    assert not ProductRating.objects.filter(product=product).exists()
    run = job_execute("catalog.ratings_refresh")
    assert run.outcome == "success"
    rating = ProductRating.objects.get(product=product)
    assert (rating.average, rating.count) == (Decimal("4.00"), 1)


@pytest.mark.django_db(transaction=True)
def test_search_words_are_refreshed_by_the_job():
    from apps.auditing.jobs import job_execute
    from apps.catalog.models import SearchWord

    root = services.category_create(name="W")
    services.product_create(
        product_type=ProductType.objects.create(name="T"),
        category=root,
        name="Packable Hammock",
        status="active",
    )
    assert not SearchWord.objects.filter(word="hammock").exists()

    run = job_execute("catalog.search_words_refresh")

    assert run.outcome == "success"
    assert run.rows == SearchWord.objects.count()
    assert SearchWord.objects.get(word="hammock").products == 1


@pytest.mark.django_db(transaction=True)
def test_category_listings_are_refreshed_by_the_job():
    from apps.auditing.jobs import job_execute
    from apps.catalog.models import CategoryListing

    root = services.category_create(name="Outdoor")
    child = services.category_create(name="Tents", parent=root)
    services.product_create(
        product_type=ProductType.objects.create(name="T"),
        category=child,
        name="Dome Tent",
        status="active",
    )
    assert not CategoryListing.objects.filter(category_id=root.pk).exists()

    run = job_execute("catalog.category_listings_refresh")

    assert run.outcome == "success"
    assert (
        run.rows == CategoryListing.objects.count() == 3
    )  # two categories, the catalog
    assert CategoryListing.objects.get(category_id=root.pk).products == 1
    assert CategoryListing.objects.get(category_id=0).products == 1


@pytest.mark.django_db
def test_category_listings_view_joins_the_catalog_once_not_once_per_category():
    # Its two CTEs are each computed once (a "CTE" node in the plan), not inlined into the
    # per-category subqueries: inlined, the join of products, variants and option values
    # ran again for every category, and for minutes after a bulk load.
    import re

    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_viewdef('catalog_categorylisting'::regclass)")
        cursor.execute("EXPLAIN " + cursor.fetchone()[0])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert re.search(r"^\s*CTE own$", plan, re.M), plan
    assert re.search(r"^\s*CTE own_values$", plan, re.M), plan
