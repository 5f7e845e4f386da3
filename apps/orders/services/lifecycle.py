"""An order's life after placing: each move of its status is one service.

Every service locks the order, checks the move against `TRANSITIONS` (the database checks it
again), does its side effects in the same transaction — reservations committed or released,
an outbox event, a call through the payments port — and sets the status; the order's trigger
writes the status history with the acting person and the note.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from apps.inventory.services import (
    reservation_commit_units,
    reservation_release,
    reservations_hold_until,
    reservations_of,
)

from ..errors import FulfilmentInvalid, TransitionNotAllowed, formatted
from ..models import (
    TRANSITIONS,
    Fulfilment,
    FulfilmentLine,
    Order,
    OrderNote,
    Status,
)
from ..outbox import outbox_write
from ..payments_port import payments_port
from .placing import RESERVATION_OWNER, order_payload

if TYPE_CHECKING:
    from apps.accounts.models import User

# How long a paid order's stock stays held for shipping.
PAID_HOLD = dt.timedelta(days=365)


def allowed_transitions(status: str) -> list[str]:
    """Where an order in `status` may go next."""
    return [to for frm, to in TRANSITIONS if frm == status]


def _locked(order_id: int) -> Order:
    return Order.objects.select_for_update(of=("self",)).get(pk=order_id)


def _move(
    order: Order, to: str, *, actor: User | None, note: str = "", **fields
) -> Order:
    """Set the status (the trigger records it); refuse a move `TRANSITIONS` does not allow."""
    if (order.status, to) not in TRANSITIONS:
        raise formatted(
            TransitionNotAllowed,
            from_status=order.get_status_display().lower(),
            to_status=Status(to).label.lower(),
        )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('orders.status_note', %s, true),"
            " set_config('orders.actor_id', %s, true)",
            [note[:1000], str(actor.pk) if actor is not None else ""],
        )
    order.status = to
    for name, value in fields.items():
        setattr(order, name, value)
    order.save(update_fields=["status", *fields])
    return order


def _release_stock(order: Order, actor: User | None) -> int:
    held = reservations_of(owner_type=RESERVATION_OWNER, owner_id=str(order.pk))
    if not held:
        return 0
    return reservation_release(reservation_ids=[r.pk for r in held], actor=actor)


def _event(order: Order, topic: str, **extra) -> None:
    outbox_write(
        topic=topic,
        aggregate_id=order.number,
        payload={**order_payload(order), **extra},
    )


@transaction.atomic
def order_mark_paid(
    *,
    order: Order,
    actor: User | None,
    reason: str,
    at: dt.datetime | None = None,
    late: bool = False,
) -> Order:
    """Record that an order was paid (by a gateway, or by staff with a reason).

    `at`: when it was paid, for importing past orders; a payment after the order's window
    closed is refused (its stock may be gone), unless `late`: a gateway's success arrived
    after the window and the caller has reserved the order's stock again (the database
    checks the reservations of an expired order).
    """
    order = _locked(order.pk)
    paid_at = at or timezone.now()
    overdue = order.status == Status.EXPIRED or (
        order.status == Status.PENDING and order.expires_at <= paid_at
    )
    if overdue and not late:
        raise formatted(TransitionNotAllowed, from_status="expired", to_status="paid")
    fields = {"paid_at": paid_at}
    if order.status == Status.EXPIRED:
        fields["closed_at"] = None
    _move(order, Status.PAID, actor=actor, note=reason, **fields)
    reservations_hold_until(
        owner_type=RESERVATION_OWNER,
        owner_id=str(order.pk),
        until=timezone.now() + PAID_HOLD,
    )
    _event(order, "order.paid", reason=reason)
    return order


def order_pay_by_hand(*, order: Order, actor: User | None, note: str) -> Order:
    """Staff record that an order was paid outside the gateway (a transfer, cash).

    Payments records it as a payment of its own (in the ledger, so the reconciliation
    counts it) and moves the order to paid. Not in a transaction: payments commits on its
    own. One manual payment per order: clicking twice records it once.
    """
    payments_port().record_manual(
        order=order, actor=actor, note=note, idempotency_key=f"manual-{order.number}"
    )
    return Order.objects.get(pk=order.pk)


@transaction.atomic
def order_cancel(*, order: Order, actor: User | None, reason: str = "") -> Order:
    """Cancel a pending or paid order: its stock goes back; a paid one is refunded."""
    order = _locked(order.pk)
    was_paid = order.status == Status.PAID
    _move(order, Status.CANCELLED, actor=actor, note=reason, closed_at=timezone.now())
    _release_stock(order, actor)
    refund = None
    if was_paid:
        refund = payments_port().refund(
            order=order, amount=order.total, idempotency_key=f"cancel-{order.number}"
        )
        if refund.pending:
            _event(order, "order.refund_requested", amount=str(order.total))
    _event(order, "order.cancelled", reason=reason, refunded=bool(refund and refund.ok))
    return order


def orders_expire(*, batch_size: int, now: dt.datetime | None = None) -> int:
    """Expire one batch of unpaid orders past their window; safe on two workers (SKIP LOCKED)."""
    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            Order.objects.select_for_update(skip_locked=True)
            .filter(status=Status.PENDING, expires_at__lte=now)
            .order_by("expires_at", "id")[:batch_size]
        )
        for order in due:
            _move(
                order,
                Status.EXPIRED,
                actor=None,
                note="not paid in time",
                closed_at=now,
            )
            _release_stock(order, None)
            _event(order, "order.expired")
        return len(due)


@transaction.atomic
def fulfilment_create(
    *,
    order: Order,
    quantities: dict[int, int],
    carrier: str,
    tracking_number: str = "",
    actor: User | None,
) -> Fulfilment:
    """Ship some or all of what is left of a paid order (line id → quantity)."""
    order = _locked(order.pk)
    if order.status not in (Status.PAID, Status.PARTIALLY_FULFILLED):
        raise formatted(
            TransitionNotAllowed,
            from_status=order.get_status_display().lower(),
            to_status="shipped",
        )
    lines = {line.pk: line for line in order.lines.all()}
    shipped = order_shipped_quantities(order)
    wanted = {line_id: qty for line_id, qty in quantities.items() if qty}
    if not wanted or any(
        line_id not in lines
        or qty < 0
        or qty > lines[line_id].quantity - shipped[line_id]
        for line_id, qty in wanted.items()
    ):
        raise FulfilmentInvalid()
    fulfilment = Fulfilment.objects.create(
        order=order, carrier=carrier, tracking_number=tracking_number
    )
    FulfilmentLine.objects.bulk_create(
        [
            FulfilmentLine(fulfilment=fulfilment, order_line_id=line_id, quantity=qty)
            for line_id, qty in sorted(wanted.items())
        ]
    )
    for line_id, qty in sorted(wanted.items()):
        reservation_commit_units(
            owner_type=RESERVATION_OWNER,
            owner_id=str(order.pk),
            variant_id=lines[line_id].variant_id,
            quantity=qty,
            reference_id=order.number,
            actor=actor,
        )
    complete = all(
        shipped[line_id] + wanted.get(line_id, 0) >= line.quantity
        for line_id, line in lines.items()
    )
    to = Status.SHIPPED if complete else Status.PARTIALLY_FULFILLED
    first_shipment = order.status == Status.PAID
    if order.status != to:
        _move(order, to, actor=actor, note=f"{carrier} {tracking_number}".strip())
    if first_shipment:
        # The money is taken when the goods leave: all of it at the first shipment (a
        # gateway captures an authorization once). Nothing happens when it was taken
        # already (auto-capture, or paid by hand).
        payments_port().capture(
            order=order, amount=order.total, idempotency_key=f"ship-{order.number}"
        )
    _event(
        order,
        "order.shipped",
        carrier=carrier,
        tracking_number=tracking_number,
        complete=complete,
    )
    return fulfilment


def order_shipped_quantities(order: Order) -> dict[int, int]:
    """Units shipped so far per line id (0 for lines not shipped)."""
    shipped = dict.fromkeys(order.lines.values_list("pk", flat=True), 0)
    for line_id, qty in FulfilmentLine.objects.filter(
        fulfilment__order=order
    ).values_list("order_line_id", "quantity"):
        shipped[line_id] += qty
    return shipped


@transaction.atomic
def order_deliver(*, order: Order, actor: User | None, note: str = "") -> Order:
    """The carrier delivered everything: the order and its shipments are delivered."""
    order = _locked(order.pk)
    now = timezone.now()
    _move(order, Status.DELIVERED, actor=actor, note=note, closed_at=now)
    Fulfilment.objects.filter(order=order, status=Fulfilment.Status.SHIPPED).update(
        status=Fulfilment.Status.DELIVERED, delivered_at=now
    )
    _event(order, "order.delivered")
    return order


@transaction.atomic
def order_return(*, order: Order, actor: User | None, reason: str) -> Order:
    """The customer sent a delivered order back (goods are received into stock by staff)."""
    order = _locked(order.pk)
    _move(order, Status.RETURNED, actor=actor, note=reason)
    _event(order, "order.returned", reason=reason)
    return order


@transaction.atomic
def order_note_add(
    *, order: Order, body: str, customer_visible: bool = False, actor: User | None
) -> OrderNote:
    """Add an internal or customer-visible note to an order."""
    return OrderNote.objects.create(
        order=order, body=body, customer_visible=customer_visible, author=actor
    )


def idempotency_keys_purge(*, batch_size: int, now: dt.datetime | None = None) -> int:
    """Delete one batch of keys older than the retention (≥ 24 h, ORDERS_IDEMPOTENCY_KEY_DAYS)."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=max(settings.ORDERS_IDEMPOTENCY_KEY_DAYS, 1))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM orders_idempotencykey WHERE id IN (SELECT id FROM orders_idempotencykey"
            " WHERE created_at < %s ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED)",
            [cutoff, batch_size],
        )
        return cursor.rowcount
