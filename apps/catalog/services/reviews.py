"""Customers' reviews: one per customer and product, moderated by staff."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import connection, transaction
from django.utils import timezone

from apps.auditing.dberrors import constraint_errors

from ..cache import product_cache_invalidate
from ..errors import ReviewExists
from ..models import Product, Review

if TYPE_CHECKING:
    from apps.accounts.models import User

REVIEW_ERRORS = {"catalog_review_one_per_customer": ReviewExists}


@transaction.atomic
def review_submit(
    *, product: Product, actor: User, rating: int, title: str = "", body: str = ""
) -> Review:
    """A customer's review of a product; it waits for moderation."""
    review = Review(product=product, user=actor, rating=rating, title=title, body=body)
    with constraint_errors(REVIEW_ERRORS):
        review.save()
    return review


@transaction.atomic
def review_moderate(
    *, review: Review, status: str, actor: User | None = None
) -> Review:
    """Approve or reject a review."""
    review.status = status
    review.moderated_by_id = actor.pk if actor else None
    review.moderated_at = timezone.now()
    review.save(update_fields=["status", "moderated_by_id", "moderated_at"])
    product_cache_invalidate(review.product_id)
    return review


def ratings_refresh() -> None:
    """Recompute approved-review aggregates (readers are not blocked).

    Through the owner's function (migration catalog.0007): only a view's owner may refresh it.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT catalog_productrating_refresh()")
