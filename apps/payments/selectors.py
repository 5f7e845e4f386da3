"""Finance's reads of the ledger: the daily reconciliation, the export, and the payment a
gateway notification names."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from apps.orders.models import Order

from .models import GatewayNotification, Kind, Payment, PaymentTransaction

ZERO = Decimal("0.00")
UTC = dt.UTC


def _sum(kind: str):
    return Coalesce(Sum("amount", filter=Q(kind=kind)), ZERO)


@dataclass
class ReconciliationDay:
    """One day (UTC) and currency: what the ledger moved next to the orders paid that day."""

    day: dt.date
    currency: str = ""
    authorized: Decimal = ZERO
    captured: Decimal = ZERO
    refunded: Decimal = ZERO
    disputes_lost: Decimal = ZERO  # chargebacks less reversals
    orders: int = 0
    orders_total: Decimal = ZERO
    manual_total: Decimal = ZERO  # orders marked paid by hand: no card payment
    reasons: list[str] = field(default_factory=list)

    @property
    def net(self) -> Decimal:
        return self.captured - self.refunded - self.disputes_lost

    @property
    def difference(self) -> Decimal:
        return self.net - self.orders_total

    def explain(self) -> None:
        """Name what makes the day's difference (nothing when the day adds up)."""
        if not self.difference:
            return
        if self.refunded:
            self.reasons.append(f"refunds −{self.refunded}")
        if self.disputes_lost > 0:
            self.reasons.append(f"lost disputes −{self.disputes_lost}")
        elif self.disputes_lost < 0:
            self.reasons.append(f"disputes won back +{-self.disputes_lost}")
        if self.manual_total:
            self.reasons.append(f"paid by hand, no card payment {self.manual_total}")
        card_paid = self.orders_total - self.manual_total
        if self.captured != card_paid:
            self.reasons.append(
                f"captured {self.captured} for orders of {card_paid}"
                " (captured later, earlier, or not yet)"
            )


def _window(days: int, today: dt.date | None) -> tuple[list[dt.date], dt.datetime]:
    today = today or timezone.now().astimezone(UTC).date()
    dates = [today - dt.timedelta(days=offset) for offset in range(days)]
    start = dt.datetime.combine(dates[-1], dt.time.min, tzinfo=UTC)
    return dates, start


def reconciliation(
    *, days: int = 30, today: dt.date | None = None
) -> list[ReconciliationDay]:
    """Per day (UTC), newest first: captured − refunded − lost disputes from the ledger next
    to the totals of the orders paid that day, each difference explained.

    Two grouped queries whatever the number of days: the ledger's and the orders'.
    """
    dates, start = _window(days, today)
    end = start + dt.timedelta(days=days)
    rows: dict[tuple[dt.date, str], ReconciliationDay] = {}

    def row(day, currency) -> ReconciliationDay:
        return rows.setdefault(
            (day, currency), ReconciliationDay(day=day, currency=currency)
        )

    ledger = (
        PaymentTransaction.objects.filter(
            outcome=PaymentTransaction.Outcome.SUCCEEDED,
            created_at__gte=start,
            created_at__lt=end,
        )
        .annotate(day=TruncDate("created_at", tzinfo=UTC))
        .values("day", "currency")
        .annotate(
            authorized=_sum(Kind.AUTHORIZE),
            captured=_sum(Kind.CAPTURE),
            refunded=_sum(Kind.REFUND),
            chargebacks=_sum(Kind.CHARGEBACK),
            reversals=_sum(Kind.CHARGEBACK_REVERSAL),
        )
        .order_by()
    )
    for values in ledger:
        entry = row(values["day"], values["currency"])
        entry.authorized = values["authorized"]
        entry.captured = values["captured"]
        entry.refunded = values["refunded"]
        entry.disputes_lost = values["chargebacks"] - values["reversals"]
    card_payment = Payment.objects.filter(order=OuterRef("pk"), authorized__gt=0)
    paid = (
        Order.objects.filter(paid_at__gte=start, paid_at__lt=end)
        .annotate(day=TruncDate("paid_at", tzinfo=UTC))
        .values("day", "currency")
        .annotate(
            orders=Count("id"),
            paid_total=Coalesce(Sum("total"), ZERO),
            manual_total=Coalesce(Sum("total", filter=~Exists(card_payment)), ZERO),
        )
        .order_by()
    )
    for values in paid:
        entry = row(values["day"], values["currency"])
        entry.orders = values["orders"]
        entry.orders_total = values["paid_total"]
        entry.manual_total = values["manual_total"]
    result = []
    for day in dates:
        found = sorted(
            (entry for (d, _), entry in rows.items() if d == day),
            key=lambda entry: entry.currency,
        )
        result.extend(found or [ReconciliationDay(day=day)])
    for entry in result:
        entry.explain()
    return result


LEDGER_COLUMNS = (
    "id",
    "created_at",
    "order",
    "payment",
    "kind",
    "outcome",
    "amount",
    "currency",
    "gateway_reference",
    "code",
    "dispute",
)


def ledger_rows(*, start: dt.date, end: dt.date) -> Iterator[tuple]:
    """The ledger's rows created from `start` to `end` (both included, UTC), oldest first,
    as LEDGER_COLUMNS; read in chunks, so a long range never sits in memory."""
    since = dt.datetime.combine(start, dt.time.min, tzinfo=UTC)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=UTC)
    return (
        PaymentTransaction.objects.filter(created_at__gte=since, created_at__lt=until)
        .order_by("created_at", "id")
        .values_list(
            "id",
            "created_at",
            "payment__order__number",
            "payment_id",
            "kind",
            "outcome",
            "amount",
            "currency",
            "gateway_reference",
            "code",
            "dispute__gateway_reference",
        )
        .iterator(chunk_size=2000)
    )


def notification_payment(notification: GatewayNotification) -> Payment | None:
    """The payment a notification names: a charge's by its attempt's idempotency key, a
    dispute's by the authorization's reference; None for other types or no match."""
    data = (
        notification.payload.get("data")
        if isinstance(notification.payload, dict)
        else None
    )
    data = data if isinstance(data, dict) else {}
    payments = Payment.objects.filter(gateway=notification.gateway).select_related(
        "order"
    )
    kind = notification.type
    if kind.startswith("charge.") and isinstance(
        key := data.get("idempotency_key"), str
    ):
        return payments.filter(attempts__idempotency_key=key).first()
    if kind.startswith("dispute.") and isinstance(ref := data.get("reference"), str):
        return payments.filter(gateway_reference=ref).first()
    return None
