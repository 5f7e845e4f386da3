"""Catalog maintenance jobs."""

from __future__ import annotations

from celery.schedules import crontab

from apps.auditing.jobs import maintenance_job
from apps.auditing.models import JobRun

from . import services


@maintenance_job(
    "catalog.ratings_refresh", schedule=crontab(minute="*/10"), exclusive=True
)
def ratings_refresh_task(run: JobRun) -> int:
    """Refresh the product rating aggregates from approved reviews."""
    from .models import ProductRating

    services.ratings_refresh()
    return ProductRating.objects.count()


@maintenance_job(
    "catalog.search_words_refresh", schedule=crontab(minute="*/15"), exclusive=True
)
def search_words_refresh_task(run: JobRun) -> int:
    """Refresh the search vocabulary ("did you mean …") from published products."""
    from .models import SearchWord

    services.search_words_refresh()
    return SearchWord.objects.count()


@maintenance_job(
    "catalog.category_listings_refresh",
    schedule=crontab(minute="*/5"),
    exclusive=True,
)
def category_listings_refresh_task(run: JobRun) -> int:
    """Refresh the product counts and option values of unfiltered category listings, and
    the products' option values for search facets."""
    from .models import CategoryListing

    services.category_listings_refresh()
    return CategoryListing.objects.count()
