"""The gateway's notifications: store each once, apply it once, record what it did.

Applying is idempotent on its own (an attempt settles once, a dispute moves once), so a
notification stored by a worker that stopped before recording its outcome is simply applied
again when the gateway repeats it. A notification that arrives after the shop already knows
(a charge whose answer came back after all, a dispute closed before the opening was
delivered) changes nothing twice. Not in a transaction: settling an attempt is durable.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from ..errors import DisputeInvalid
from ..gateway import FAILED, SUCCEEDED, GatewayResult
from ..models import Dispute, GatewayNotification, Payment, PaymentAttempt
from ..notifications import Notice
from .attempts import SETTLED
from .disputes import dispute_close, dispute_open
from .flows import attempt_conclude

Outcome = GatewayNotification.Outcome
Result = tuple[str, str]  # (outcome, error)

# A charge notification settles the attempt under its key: which kinds, to which status.
CHARGES = {
    "charge.succeeded": (("authorize", "capture"), SUCCEEDED),
    "charge.failed": (("authorize", "capture"), FAILED),
    "charge.refunded": (("refund",), SUCCEEDED),
    "charge.voided": (("void",), SUCCEEDED),
}


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
    outcome, error = _apply(notification)
    # Conditional: of two deliveries applied at once, the first outcome stays.
    GatewayNotification.objects.filter(
        pk=notification.pk, processed_at__isnull=True
    ).update(processed_at=timezone.now(), outcome=outcome, error=error[:200])
    notification.refresh_from_db()
    return notification


def _apply(notification: GatewayNotification) -> Result:
    kind, data = notification.type, notification.payload["data"]
    if kind in CHARGES:
        return _charge(notification, data, *CHARGES[kind])
    if kind == "dispute.opened":
        return _dispute(notification.gateway, data)[1:]
    if kind == "dispute.closed":
        return _dispute_closed(notification.gateway, data)
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
        return _already(attempt, status)
    result = GatewayResult(
        status,
        reference=data.get("reference", ""),
        code=data.get("code", "") if status == FAILED else "",
        message=data.get("message", "") if status == FAILED else "",
        response={"notification": notification.event_id, "type": notification.type},
    )
    attempt = attempt_conclude(attempt=attempt, result=result)
    settled_by = attempt.transaction.response.get("notification")
    if settled_by != notification.event_id:  # another worker settled it meanwhile
        return _already(attempt, status)
    return Outcome.APPLIED, ""


def _already(attempt: PaymentAttempt, status: str) -> Result:
    if attempt.status == status:
        return Outcome.UNCHANGED, ""
    return Outcome.REJECTED, f"the {attempt.kind} already {attempt.status}"


def _dispute(gateway: str, data: dict) -> tuple[Dispute | None, str, str]:
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
        )
    except DisputeInvalid as exc:
        return None, Outcome.REJECTED, exc.message
    return dispute, Outcome.APPLIED, ""


def _dispute_closed(gateway: str, data: dict) -> Result:
    # Closed before the opening was delivered: open it from this notice, then close it.
    dispute, outcome, error = _dispute(gateway, data)
    if dispute is None:
        return outcome, error
    won = data["status"] == Dispute.Status.WON
    if dispute.status == data["status"]:
        return Outcome.UNCHANGED, ""
    try:
        dispute_close(dispute=dispute, won=won, actor=None)
    except DisputeInvalid as exc:
        return Outcome.REJECTED, exc.message
    return Outcome.APPLIED, ""
