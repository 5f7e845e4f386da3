from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Upper
from django.utils import timezone

from apps.auditing.triggers import audited

from .products import Product


def pending_first():
    """0 for a review awaiting moderation, 1 for the others: the back office's queue order
    (pending first, then newest), which an index of the same expression answers."""
    return Case(When(status="pending", then=Value(0)), default=Value(1))


class Review(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="reviews"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews"
    )
    rating = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=120, blank=True)
    body = models.TextField(blank=True)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING
    )
    # Set by the orders app when the reviewer bought the product.
    verified_purchase = models.BooleanField(default=False)
    moderated_by_id = models.BigIntegerField(null=True, blank=True)
    moderated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "user"], name="catalog_review_one_per_customer"
            ),
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5),
                name="catalog_review_rating_1_5",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "approved", "rejected"]),
                name="catalog_review_status_valid",
            ),
        ]
        indexes = [
            models.Index(
                fields=["product", "-created_at"],
                condition=Q(status="approved"),
                name="catalog_review_approved",
            ),
            models.Index(
                pending_first(),
                F("created_at").desc(),
                F("id").desc(),
                name="catalog_review_queue",
            ),
            # The back office's search: UPPER(col) LIKE UPPER('%word%').
            GinIndex(
                OpClass(Upper("title"), name="gin_trgm_ops"),
                name="catalog_review_title_trgm",
            ),
            GinIndex(
                OpClass(Upper("body"), name="gin_trgm_ops"),
                name="catalog_review_body_trgm",
            ),
        ]
        triggers = [*audited()]

    def __str__(self):
        # The review list selects the product and the user with it.
        return f"{self.rating}★ for {self.product} by {self.user.full_name or self.user.email}"


class ProductRating(models.Model):
    """Approved-review aggregates per product: a materialized view refreshed by a beat job."""

    product = models.OneToOneField(
        Product, on_delete=models.DO_NOTHING, primary_key=True, related_name="rating"
    )
    average = models.DecimalField(max_digits=3, decimal_places=2)
    count = models.PositiveIntegerField()

    class Meta:
        managed = False
        db_table = "catalog_productrating"

    def __str__(self):
        return f"Rated {self.average} from {self.count} review{'s' if self.count != 1 else ''}"
