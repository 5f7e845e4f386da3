"""price_for: the only place that decides a price (property-tested)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.catalog.pricing import price_compute

UTC = dt.UTC
T0 = dt.datetime(2026, 1, 1, tzinfo=UTC)
money = st.decimals(min_value=Decimal("0.00"), max_value=Decimal("9999.99"), places=2)
moments = st.integers(min_value=0, max_value=1000).map(
    lambda h: T0 + dt.timedelta(hours=h)
)
windows = st.tuples(moments, st.integers(min_value=1, max_value=500), money).map(
    lambda w: (w[0], w[0] + dt.timedelta(hours=w[1]), w[2])
)
tiers = st.lists(
    st.tuples(st.integers(min_value=2, max_value=200), money),
    max_size=5,
    unique_by=lambda t: t[0],
)


@settings(max_examples=300, deadline=None)
@given(
    base=money,
    promos=st.lists(windows, max_size=3),
    tiers=tiers,
    quantity=st.integers(1, 500),
    at=moments,
)
def test_price_is_never_negative_nor_above_base(base, promos, tiers, quantity, at):
    quote = price_compute(
        base=base,
        currency="EUR",
        promotions=promos,
        tiers=tiers,
        quantity=quantity,
        at=at,
    )
    assert Decimal("0") <= quote.unit <= base


@settings(max_examples=300, deadline=None)
@given(
    base=money,
    tiers=tiers,
    quantities=st.lists(st.integers(1, 500), min_size=2, max_size=6),
)
def test_tiers_are_monotonic_more_units_never_cost_more_each(base, tiers, quantities):
    units = [
        price_compute(
            base=base, currency="EUR", promotions=[], tiers=tiers, quantity=q, at=T0
        ).unit
        for q in sorted(quantities)
    ]
    assert units == sorted(units, reverse=True)


@settings(max_examples=300, deadline=None)
@given(base=money, window=windows, at=moments)
def test_promotion_applies_only_inside_its_window(base, window, at):
    start, end, amount = window
    quote = price_compute(
        base=base, currency="EUR", promotions=[window], tiers=[], quantity=1, at=at
    )
    if start <= at < end:
        assert quote.promotion == amount and quote.unit == min(base, amount)
    else:
        assert quote.promotion is None and quote.unit == base


def test_tier_example_ten_plus_at_nine_fifty():
    quote = price_compute(
        base=Decimal("10.00"),
        currency="EUR",
        promotions=[],
        tiers=[(10, Decimal("9.50"))],
        quantity=10,
        at=T0,
    )
    assert (quote.unit, quote.total(10)) == (Decimal("9.50"), Decimal("95.00"))
    assert price_compute(
        base=Decimal("10.00"),
        currency="EUR",
        promotions=[],
        tiers=[(10, Decimal("9.50"))],
        quantity=9,
        at=T0,
    ).unit == Decimal("10.00")


def test_quantity_must_be_positive():
    with pytest.raises(ValueError, match="quantity must be at least 1"):
        price_compute(
            base=Decimal("1"),
            currency="EUR",
            promotions=[],
            tiers=[],
            quantity=0,
            at=T0,
        )


@pytest.mark.django_db
def test_price_for_reads_the_database(django_assert_num_queries):
    from apps.catalog import services
    from apps.catalog.models import ProductType
    from apps.catalog.pricing import price_for

    root = services.category_create(name="Root")
    product = services.product_create(
        product_type=ProductType.objects.create(name="P"), category=root, name="Thing"
    )
    variant = services.variant_create(
        product=product, sku="T-1", price=Decimal("10.00")
    )
    services.tier_set(variant=variant, min_quantity=10, amount=Decimal("9.50"))
    now = dt.datetime.now(UTC)
    services.promotion_add(
        variant=variant,
        amount=Decimal("8.00"),
        start=now - dt.timedelta(hours=1),
        end=now + dt.timedelta(hours=1),
    )
    with django_assert_num_queries(3):
        assert price_for(variant, 1).unit == Decimal("8.00")
    assert price_for(variant, 1, at=now + dt.timedelta(hours=2)).unit == Decimal(
        "10.00"
    )
    assert price_for(variant, 12, at=now + dt.timedelta(hours=2)).unit == Decimal(
        "9.50"
    )
    assert price_for(variant, 1, currency="USD") is None
