"""The gateway's notifications: store each once, apply it once, record what it did.

Applying is idempotent on its own (an attempt settles once, a dispute moves once), so a
notification stored by a worker that stopped before recording its outcome is applied again
by the retry job (`notifications_retry`), by staff ("Apply again now"), or when the gateway
repeats it. A notification that arrives after the shop already knows (a charge whose answer
came back after all, a dispute closed before the opening was delivered) changes nothing
twice. Not in a transaction: settling an attempt is durable.

One notification is applied by one worker at a time: whoever applies it holds a
session-level advisory lock on its id. A row lock cannot do it, because the services it
calls commit durable transactions of their own; the advisory lock outlives them and is
released when the worker finishes or its connection dies.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from ..errors import DisputeInvalid, PaymentError
from ..gateway import FAILED, SUCCEEDED, GatewayResult
from ..models import (
    Dispute,
    GatewayNotification,
    Payment,
    PaymentAttempt,
    PaymentTransaction,
)
from ..notifications import Notice
from .attempts import SETTLED
from .disputes import dispute_close, dispute_open
from .flows import attempt_conclude

if TYPE_CHECKING:
    from apps.accounts.models import User

log = logging.getLogger(__name__)

Outcome = GatewayNotification.Outcome
Result = tuple[str, str]  # (outcome, error)

# A charge notification settles the attempt under its key: which kinds, to which status.
CHARGES = {
    "charge.succeeded": (("authorize", "capture"), SUCCEEDED),
    "charge.failed": (("authorize", "capture"), FAILED),
    "charge.refunded": (("refund",), SUCCEEDED),
    "charge.voided": (("void",), SUCCEEDED),
}
# The advisory lock of one notification (the two-key form: a key space of its own).
LOCK = "SELECT {}(hashtext('payments.notification'), %s)"


def notification_receive(*, gateway: str, notice: Notice) -> GatewayNotification:
    """Store a verified notification once and apply it; the same event again changes nothing."""
    with transaction.atomic():
        notification, _ = GatewayNotification.objects.get_or_create(
            gateway=gateway,
            event_id=notice.event_id,
            defaults={"type": notice.type, "payload": notice.payload},
        )
    if notification.processed_at is not None:
        return notification
    # Another worker applying it right now: wait for it, then answer its outcome.
    _process(notification, wait=True, actor=None)
    return notification


def notification_apply(
    *, notification: GatewayNotification, actor: User | None
) -> bool:
    """Apply a stored notification never processed (staff's "Apply again now"); False
    when it was processed already or another worker is applying it now."""
    return _process(notification, wait=False, actor=actor)


def notifications_retry(*, batch_size: int, now: dt.datetime | None = None) -> int:
    """Apply one batch of notifications stored but never processed, received longer than
    PAYMENTS_NOTIFICATION_RETRY_AFTER ago; returns how many this run processed.

    One that another worker holds is skipped (it is being applied). One whose applying
    stops on a business error (an auto-capture without a clear answer) stays unprocessed
    for the next run, which records what it did: the ledger names the notification.
    """
    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=settings.PAYMENTS_NOTIFICATION_RETRY_AFTER)
    due = list(
        GatewayNotification.objects.filter(
            processed_at__isnull=True, received_at__lte=cutoff
        ).order_by("received_at", "id")[:batch_size]
    )
    processed = 0
    for notification in due:
        try:
            processed += _process(notification, wait=False, actor=None)
        except PaymentError as exc:
            log.warning(
                "notification %s left unprocessed: %s", notification.pk, exc.code
            )
    return processed


@contextmanager
def _held(notification: GatewayNotification, *, wait: bool) -> Iterator[bool]:
    """Hold the notification's advisory lock (wait for it, or give up when it is taken)."""
    # Ids past 2**31 share a lock with another, which only makes the two take turns.
    key = [notification.pk % 2**31]
    with connection.cursor() as cursor:
        if wait:
            cursor.execute(LOCK.format("pg_advisory_lock"), key)
            held = True
        else:
            cursor.execute(LOCK.format("pg_try_advisory_lock"), key)
            held = cursor.fetchone()[0]
    try:
        yield held
    finally:
        if held:
            with connection.cursor() as cursor:
                cursor.execute(LOCK.format("pg_advisory_unlock"), key)


def _process(
    notification: GatewayNotification, *, wait: bool, actor: User | None
) -> bool:
    """Apply the notification and record its outcome; False when it was not this call's
    to apply (processed already, or held by another worker). The instance is refreshed."""
    with _held(notification, wait=wait) as held:
        if not held:
            return False
        notification.refresh_from_db()
        if notification.processed_at is not None:
            return False
        outcome, error = _apply(notification, actor)
        # Conditional as well: the outcome is written once, whatever happens.
        done = GatewayNotification.objects.filter(
            pk=notification.pk, processed_at__isnull=True
        ).update(processed_at=timezone.now(), outcome=outcome, error=error[:200])
    notification.refresh_from_db()
    return bool(done)


def _apply(notification: GatewayNotification, actor: User | None) -> Result:
    kind, data = notification.type, notification.payload["data"]
    if kind in CHARGES:
        return _charge(notification, data, *CHARGES[kind])
    if kind == "dispute.opened":
        return _dispute(notification.gateway, data, actor)[1:]
    if kind == "dispute.closed":
        return _dispute_closed(notification.gateway, data, actor)
    return Outcome.IGNORED, ""


def _charge(notification, data: dict, kinds: tuple[str, ...], status: str) -> Result:
    attempt = (
        PaymentAttempt.objects.select_related("payment")
        .filter(
            idempotency_key=data["idempotency_key"],
            payment__gateway=notification.gateway,
        )
        .first()
    )
    if attempt is None:
        return Outcome.REJECTED, "no payment attempt has this idempotency key"
    if attempt.kind not in kinds:
        return Outcome.REJECTED, f"the attempt under this key is a {attempt.kind}"
    if "amount" in data and Decimal(data["amount"]) != attempt.amount:
        return Outcome.REJECTED, f"the attempt was for {attempt.amount}"
    if data.get("currency", attempt.payment.currency) != attempt.payment.currency:
        return Outcome.REJECTED, f"the payment is in {attempt.payment.currency}"
    if attempt.status in SETTLED:
        if _settled_by(attempt) == notification.event_id:
            # This notification settled it in a run that stopped before the outcome.
            return Outcome.APPLIED, ""
        return _already(attempt, status)
    result = GatewayResult(
        status,
        reference=data.get("reference", ""),
        code=data.get("code", "") if status == FAILED else "",
        message=data.get("message", "") if status == FAILED else "",
        response={"notification": notification.event_id, "type": notification.type},
    )
    attempt = attempt_conclude(attempt=attempt, result=result)
    if _settled_by(attempt) != notification.event_id:  # settled otherwise meanwhile
        return _already(attempt, status)
    return Outcome.APPLIED, ""


def _settled_by(attempt: PaymentAttempt) -> str | None:
    """The event id of the notification whose ledger row settled the attempt, if one did."""
    txn = PaymentTransaction.objects.filter(attempt=attempt).first()
    return (txn.response or {}).get("notification") if txn else None


def _already(attempt: PaymentAttempt, status: str) -> Result:
    if attempt.status == status:
        return Outcome.UNCHANGED, ""
    return Outcome.REJECTED, f"the {attempt.kind} already {attempt.status}"


def _dispute(
    gateway: str, data: dict, actor: User | None
) -> tuple[Dispute | None, str, str]:
    """The dispute the notification names, opened now if the shop did not know it."""
    payment = Payment.objects.filter(
        gateway=gateway, gateway_reference=data["reference"]
    ).first()
    if payment is None:
        return None, Outcome.REJECTED, "no payment has this reference"
    existing = Dispute.objects.filter(gateway_reference=data["dispute"]).first()
    if existing is not None:
        if existing.payment_id != payment.pk:
            return None, Outcome.REJECTED, "the dispute is another payment's"
        return existing, Outcome.UNCHANGED, ""
    try:
        dispute = dispute_open(
            payment=payment,
            gateway_reference=data["dispute"],
            amount=Decimal(data["amount"]),
            respond_by=parse_datetime(data["respond_by"]),
            reason=data.get("reason", ""),
            actor=actor,
        )
    except DisputeInvalid as exc:
        return None, Outcome.REJECTED, exc.message
    return dispute, Outcome.APPLIED, ""


def _dispute_closed(gateway: str, data: dict, actor: User | None) -> Result:
    # Closed before the opening was delivered: open it from this notice, then close it.
    dispute, outcome, error = _dispute(gateway, data, actor)
    if dispute is None:
        return outcome, error
    won = data["status"] == Dispute.Status.WON
    if dispute.status == data["status"]:
        return Outcome.UNCHANGED, ""
    try:
        dispute_close(dispute=dispute, won=won, actor=actor)
    except DisputeInvalid as exc:
        return Outcome.REJECTED, exc.message
    return Outcome.APPLIED, ""
