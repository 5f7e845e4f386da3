"""Reads of orders with business meaning: a customer's orders, one order with its story."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from apps.inventory.models import LowStockAlert

from .models import (
    Fulfilment,
    Order,
    OrderNote,
    OrderStatusChange,
    OutboxEvent,
    SalesDay,
)


def orders_for_customer(user) -> QuerySet[Order]:
    """A customer's orders, newest first (the list page shows no lines: one query a page)."""
    return Order.objects.filter(customer=user).order_by("-placed_at", "-id")


def order_detail(**lookup) -> Order | None:
    """One order with its lines, history, shipments and customer-visible notes (5 queries)."""
    return (
        Order.objects.filter(**lookup)
        .prefetch_related(
            "lines",
            Prefetch(
                "status_changes",
                queryset=OrderStatusChange.objects.order_by("changed_at", "id"),
            ),
            Prefetch(
                "fulfilments",
                queryset=Fulfilment.objects.prefetch_related("lines__order_line"),
            ),
            Prefetch(
                "notes",
                queryset=OrderNote.objects.filter(customer_visible=True),
                to_attr="customer_notes",
            ),
        )
        .first()
    )


@dataclass(frozen=True)
class Period:
    label: str
    orders: int
    revenue: Decimal
    units: int

    @property
    def average(self) -> Decimal:
        return (
            (self.revenue / self.orders).quantize(Decimal("0.01"))
            if self.orders
            else Decimal("0.00")
        )


@dataclass(frozen=True)
class Dashboard:
    periods: list[Period]
    days: list[SalesDay]
    pending_orders: int
    low_stock_alerts: int
    dead_events: int
    refreshed_at: dt.datetime | None


def sales_dashboard(today: dt.date | None = None) -> Dashboard:
    """Sales of today, 7 and 30 days from the daily rollup, and what needs attention now."""
    today = today or timezone.now().date()
    days = list(
        SalesDay.objects.filter(day__gt=today - dt.timedelta(days=30), day__lte=today)
    )
    by_day = {d.day: d for d in days}
    periods = []
    for label, length in (("Today", 1), ("Last 7 days", 7), ("Last 30 days", 30)):
        window = [by_day[d] for d in by_day if d > today - dt.timedelta(days=length)]
        periods.append(
            Period(
                label=label,
                orders=sum(d.orders for d in window),
                revenue=sum((d.revenue for d in window), Decimal("0.00")),
                units=sum(d.units for d in window),
            )
        )
    series = [
        by_day.get(today - dt.timedelta(days=offset))
        or SalesDay(day=today - dt.timedelta(days=offset))
        for offset in range(29, -1, -1)
    ]
    return Dashboard(
        periods=periods,
        days=series,
        pending_orders=Order.objects.filter(status="pending").count(),
        low_stock_alerts=LowStockAlert.objects.filter(cleared_at__isnull=True).count(),
        dead_events=OutboxEvent.objects.filter(status="dead").count(),
        refreshed_at=max((d.refreshed_at for d in days), default=None),
    )
