from __future__ import annotations

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeOperators
from django.db import models
from django.db.models import Q

from apps.auditing.triggers import audited

from .products import ProductVariant

CURRENCIES = [("EUR", "EUR"), ("USD", "USD"), ("GBP", "GBP")]


class Price(models.Model):
    """The base price of a variant in a currency."""

    variant = models.ForeignKey(
        ProductVariant, on_delete=models.CASCADE, related_name="prices"
    )
    currency = models.CharField(max_length=3, choices=CURRENCIES, default="EUR")
    amount = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["variant", "currency"], name="catalog_price_one_per_currency"
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="catalog_price_amount_gte_0"
            ),
        ]
        triggers = [*audited()]

    def __str__(self):
        return f"{self.amount} {self.currency}"


class PromotionalPrice(models.Model):
    """A lower price for a time window; windows of one variant never overlap."""

    variant = models.ForeignKey(
        ProductVariant, on_delete=models.CASCADE, related_name="promotions"
    )
    currency = models.CharField(max_length=3, choices=CURRENCIES, default="EUR")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    valid_during = DateTimeRangeField(help_text="[start, end) of the promotion")
    label = models.CharField(max_length=80, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="catalog_promotion_amount_gte_0"
            ),
            ExclusionConstraint(
                name="catalog_promotion_no_overlap",
                expressions=[
                    ("variant", RangeOperators.EQUAL),
                    ("currency", RangeOperators.EQUAL),
                    ("valid_during", RangeOperators.OVERLAPS),
                ],
            ),
        ]
        triggers = [*audited()]

    def __str__(self):
        window = self.valid_during
        start = (
            f"{window.lower:%Y-%m-%d %H:%M}" if window and window.lower else "always"
        )
        end = (
            f"{window.upper:%Y-%m-%d %H:%M}" if window and window.upper else "open end"
        )
        label = f"{self.label}: " if self.label else ""
        return f"{label}{self.amount} {self.currency} from {start} to {end}"


class TierPrice(models.Model):
    """A unit price from a quantity on (e.g. 10+ at 9.50)."""

    variant = models.ForeignKey(
        ProductVariant, on_delete=models.CASCADE, related_name="tiers"
    )
    currency = models.CharField(max_length=3, choices=CURRENCIES, default="EUR")
    min_quantity = models.PositiveIntegerField()
    amount = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["variant", "currency", "min_quantity"]
        constraints = [
            models.UniqueConstraint(
                fields=["variant", "currency", "min_quantity"],
                name="catalog_tier_unique",
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="catalog_tier_amount_gte_0"
            ),
            models.CheckConstraint(
                condition=Q(min_quantity__gte=2), name="catalog_tier_min_quantity_gte_2"
            ),
        ]
        triggers = [*audited()]

    def __str__(self):
        return f"{self.min_quantity}+ at {self.amount} {self.currency}"
