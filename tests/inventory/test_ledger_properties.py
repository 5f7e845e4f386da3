"""Whatever sequence of operations runs, the ledger sums to on_hand and the active
reservations to reserved (hypothesis, stateful)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from apps.catalog import services as catalog
from apps.catalog.models import ProductType
from apps.inventory import selectors, services
from apps.inventory.errors import InventoryError
from apps.inventory.models import Reservation, Stock, Warehouse
from apps.inventory.services import Line

RUN = itertools.count()


class InventoryMachine(RuleBasedStateMachine):
    @initialize()
    def setup(self):
        n = next(RUN)
        root = catalog.category_create(name="Stateful")
        product = catalog.product_create(
            product_type=ProductType.objects.get_or_create(name="S")[0],
            category=root,
            name="S",
        )
        self.variant = catalog.variant_create(
            product=product, sku=f"S-{n}", price=Decimal("1.00")
        )
        self.warehouses = [
            Warehouse.objects.create(code=f"w{k}-{n}", name=f"W{k}", priority=k)
            for k in range(2)
        ]
        self.stocks = [
            services.stock_for(variant_id=self.variant.pk, warehouse=w)
            for w in self.warehouses
        ]

    @rule(which=st.integers(0, 1), quantity=st.integers(1, 20))
    def receive(self, which, quantity):
        services.stock_receive(stock=self.stocks[which], quantity=quantity)

    @rule(which=st.integers(0, 1), quantity=st.integers(-15, 15).filter(bool))
    def adjust(self, which, quantity):
        try:
            services.stock_adjust(
                stock=self.stocks[which], quantity=quantity, reason="count"
            )
        except InventoryError:
            pass

    @rule(quantity=st.integers(1, 12))
    def reserve(self, quantity):
        try:
            services.stock_reserve(
                lines=[Line(self.variant.pk, quantity)], owner_type="order"
            )
        except InventoryError:
            pass

    @rule(data=st.data())
    def close_one(self, data):
        active = list(
            Reservation.objects.filter(
                variant_id=self.variant.pk, status="active"
            ).values_list("pk", flat=True)
        )
        if not active:
            return
        pick = data.draw(st.sampled_from(active))
        if data.draw(st.booleans()):
            services.reservation_commit(reservation_ids=[pick])
        else:
            services.reservation_release(reservation_ids=[pick])

    @rule(quantity=st.integers(1, 12), lines=st.integers(1, 3))
    def reserve_in_lines(self, quantity, lines):
        try:
            services.stock_reserve(
                lines=[Line(self.variant.pk, quantity)] * lines, owner_type="cart"
            )
        except InventoryError:
            pass

    @rule(data=st.data())
    def expire_some(self, data):
        active = list(
            Reservation.objects.filter(
                variant_id=self.variant.pk, status="active"
            ).values_list("pk", flat=True)
        )
        if not active:
            return
        due = data.draw(st.lists(st.sampled_from(active), unique=True, min_size=1))
        now = timezone.now()
        Reservation.objects.filter(pk__in=due).update(
            expires_at=now - dt.timedelta(seconds=1)
        )
        while services.reservations_expire(
            batch_size=data.draw(st.integers(1, 4)), now=now
        ):
            pass
        assert set(
            Reservation.objects.filter(pk__in=due).values_list("status", flat=True)
        ) == {"expired"}

    @rule(quantity=st.integers(1, 10))
    def transfer(self, quantity):
        try:
            services.stock_transfer(
                source=self.stocks[0], target=self.stocks[1], quantity=quantity
            )
        except InventoryError:
            pass

    @invariant()
    def ledger_adds_up(self):
        if not hasattr(self, "stocks"):
            return
        assert selectors.ledger_mismatches() == []
        assert selectors.reserved_mismatches() == []
        for stock in Stock.objects.filter(variant_id=self.variant.pk):
            assert 0 <= stock.reserved <= stock.on_hand
            active = stock.reservations.filter(status="active")
            assert stock.reserved == (active.aggregate(n=Sum("quantity"))["n"] or 0)


@pytest.mark.django_db
def test_ledger_sums_to_on_hand_after_any_sequence():
    InventoryMachine.TestCase.settings = settings(
        max_examples=25, stateful_step_count=20, deadline=None
    )
    InventoryMachine.TestCase().runTest()
