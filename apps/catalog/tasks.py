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
