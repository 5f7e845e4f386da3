"""Catalog admin, variants (promotion overlaps next to the field) and review moderation."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.catalog import services
from apps.catalog.errors import PromotionOverlap
from apps.catalog.models import (
    PromotionalPrice,
    Review,
)

from .helpers import (
    formset,
)

pytestmark = pytest.mark.django_db


def _variant_post(variant, promotions=(), tiers=()):
    data = {
        "product": variant.product_id,
        "sku": variant.sku,
        "name": variant.name,
        "weight_grams": variant.weight_grams,
        "is_active": "on",
        "position": variant.position,
    }
    prices = list(variant.prices.all())
    data.update(
        formset(
            "prices",
            [{"id": p.pk, "currency": p.currency, "amount": p.amount} for p in prices],
            len(prices),
        )
    )
    existing = list(variant.promotions.all())
    rows = [
        {
            "id": p.pk,
            "currency": p.currency,
            "amount": p.amount,
            "valid_during_0": timezone.localtime(p.valid_during.lower).strftime(
                "%Y-%m-%d %H:%M:%S"
            ),
            "valid_during_1": timezone.localtime(p.valid_during.upper).strftime(
                "%Y-%m-%d %H:%M:%S"
            ),
            "label": p.label,
        }
        for p in existing
    ]
    data.update(formset("promotions", rows + list(promotions), len(existing)))
    data.update(formset("tiers", list(tiers), 0))
    return data


def test_promotion_overlap_is_shown_next_to_the_field(admin_client_staff, shirt):
    variant = shirt.variants.get(sku="BS-M")
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=1)
    services.promotion_add(
        variant=variant,
        amount=Decimal("15.00"),
        start=start,
        end=start + dt.timedelta(days=7),
    )
    overlapping = {
        "currency": "EUR",
        "amount": "14.00",
        "valid_during_0": timezone.localtime(start + dt.timedelta(days=3)).strftime(
            "%Y-%m-%d %H:%M:%S"
        ),
        "valid_during_1": timezone.localtime(start + dt.timedelta(days=10)).strftime(
            "%Y-%m-%d %H:%M:%S"
        ),
        "label": "Spring",
    }
    url = f"/admin/catalog/productvariant/{variant.pk}/change/"
    response = admin_client_staff.post(
        url, _variant_post(variant, promotions=[overlapping])
    )
    assert response.status_code == 200
    assert PromotionOverlap.default_message.encode() in response.content
    assert PromotionalPrice.objects.filter(variant=variant).count() == 1
    later = {
        **overlapping,
        "valid_during_0": overlapping["valid_during_1"],
        "valid_during_1": timezone.localtime(start + dt.timedelta(days=20)).strftime(
            "%Y-%m-%d %H:%M:%S"
        ),
    }
    tier = {"currency": "EUR", "min_quantity": 10, "amount": "17.00"}
    response = admin_client_staff.post(
        url, _variant_post(variant, promotions=[later], tiers=[tier])
    )
    assert response.status_code == 302
    assert PromotionalPrice.objects.filter(variant=variant).count() == 2
    assert variant.tiers.get().amount == Decimal("17.00")


# --- reviews -------------------------------------------------------------------------------


def test_reviews_list_pending_first_and_are_moderated_by_actions(
    admin_client_staff, shirt, staff, django_user_model
):
    alice = django_user_model.objects.create_user(
        email="alice@example.com", password="x"
    )
    bob = django_user_model.objects.create_user(email="bob@example.com", password="x")
    approved = services.review_submit(
        product=shirt, actor=alice, rating=5, title="Great"
    )
    services.review_moderate(review=approved, status="approved")
    pending = services.review_submit(product=shirt, actor=bob, rating=2, title="Meh")
    Review.objects.filter(pk=pending.pk).update(
        created_at=timezone.now() - dt.timedelta(days=3)
    )
    listing = admin_client_staff.get("/admin/catalog/review/")
    assert [r.pk for r in listing.context["cl"].result_list] == [
        pending.pk,
        approved.pk,
    ]
    admin_client_staff.post(
        "/admin/catalog/review/",
        {"action": "approve", "_selected_action": [pending.pk]},
    )
    pending.refresh_from_db()
    assert (pending.status, pending.moderated_by_id) == ("approved", staff.pk)
    admin_client_staff.post(
        "/admin/catalog/review/",
        {"action": "reject", "_selected_action": [approved.pk]},
    )
    assert Review.objects.get(pk=approved.pk).status == "rejected"
