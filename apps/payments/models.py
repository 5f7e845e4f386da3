"""Payments: saved methods, one payment per attempt to pay an order, and a ledger that adds up.

The amounts of a `Payment` (authorized, captured, voided, refunded, disputed_lost) are derived:
the ledger's trigger (`payments_amounts_apply()`, SECURITY DEFINER, owned by the tables'
owner, created by migration 0001) adds every successful `PaymentTransaction` to them and
derives the status, and a rule on the payment refuses any other change of an amount. So the
amounts equal the sums of the successful ledger rows for every writer, raw SQL included.

Intent and outcome. A call to the gateway is recorded before it is made (a `PaymentAttempt`,
committed), made outside any transaction, and its outcome recorded after. The ledger is
append-only, so it cannot hold a row whose outcome may still change: the intent is the
attempt, whose status moves once (pending → succeeded / failed, or → unknown when the network
failed and the gateway must be asked; unknown → succeeded / failed), and the ledger gets one
row per settled attempt, with the outcome it had. A crash between the call and the outcome
leaves the attempt pending: the reconciliation job asks the gateway about its key.
"""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Cast
from django.db.models.lookups import Regex
from django.utils import timezone

from apps.auditing.triggers import (
    append_only,
    audited,
    immutable,
    never_deleted,
    set_once,
)

from .gateway import MANUAL

MONEY = {"max_digits": 12, "decimal_places": 2}
# 13 to 19 digits, single spaces or dashes between them allowed: a card number's shape, as
# a token of its own (not a run of digits inside a longer reference such as "auth_ca00850...").
CARD_NUMBER_LIKE = r"(^|[^0-9A-Za-z])[0-9]([ -]?[0-9]){12,18}($|[^0-9A-Za-z])"


def _no_card_number(field: str, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=~Q(**{f"{field}__regex": CARD_NUMBER_LIKE}), name=name
    )


class PaymentMethod(models.Model):
    """A customer's saved card at the gateway: a token and what may be shown, never the number."""

    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="payment_methods",
    )
    gateway = models.CharField(max_length=30)
    token = models.CharField(
        max_length=200, help_text="The gateway's token for the card."
    )
    brand = models.CharField(max_length=20, blank=True)
    last4 = models.CharField(max_length=4)
    exp_month = models.PositiveSmallIntegerField()
    exp_year = models.PositiveSmallIntegerField()
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    deactivated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            _no_card_number("token", "payments_paymentmethod_token_not_card_number"),
            _no_card_number("brand", "payments_paymentmethod_brand_not_card_number"),
            _no_card_number(
                "gateway", "payments_paymentmethod_gateway_not_card_number"
            ),
            models.CheckConstraint(
                condition=Q(last4__regex=r"^[0-9]{4}$"),
                name="payments_paymentmethod_last4_four_digits",
            ),
            models.CheckConstraint(
                condition=Q(exp_month__gte=1, exp_month__lte=12)
                & Q(exp_year__gte=2000, exp_year__lte=2200),
                name="payments_paymentmethod_expiry_valid",
            ),
            models.CheckConstraint(
                condition=Q(is_active=True, deactivated_at__isnull=True)
                | Q(is_active=False, deactivated_at__isnull=False),
                name="payments_paymentmethod_deactivated_at_set",
            ),
            models.UniqueConstraint(
                fields=["gateway", "token"], name="payments_paymentmethod_token_unique"
            ),
        ]
        triggers = [
            *audited(exclude=["token"]),
            # Payments point at methods: a method is switched off, never deleted.
            *never_deleted("method_no_delete"),
            immutable("card_immutable", "customer", "gateway", "token", "last4"),
        ]

    def __str__(self):
        return f"{self.brand or 'card'} •••• {self.last4}"


class PaymentStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    AUTHORIZED = "authorized", "Authorized"
    PARTIALLY_CAPTURED = "partially_captured", "Partially captured"
    CAPTURED = "captured", "Captured"
    PARTIALLY_REFUNDED = "partially_refunded", "Partially refunded"
    REFUNDED = "refunded", "Refunded"
    VOIDED = "voided", "Voided"
    EXPIRED = "expired", "Authorization expired"
    FAILED = "failed", "Failed"


# The payment's life in one list (from, to). Money states are derived by the ledger's trigger;
# `failed` and `expired` are set by the services (no money moved).
PAYMENT_TRANSITIONS: tuple[tuple[str, str], ...] = (
    ("pending", "authorized"),
    ("pending", "failed"),
    ("authorized", "partially_captured"),
    ("authorized", "captured"),
    ("authorized", "voided"),
    ("authorized", "expired"),
    ("partially_captured", "captured"),  # the rest captured, or voided
    ("partially_captured", "partially_refunded"),
    ("partially_captured", "refunded"),
    ("captured", "partially_refunded"),
    ("captured", "refunded"),
    ("partially_refunded", "refunded"),
)

# What each status says about the amounts (the CHECK `payments_payment_status_matches_amounts`).
_STATUS_AMOUNTS = (
    Q(status__in=["pending", "failed"], authorized=0)
    | Q(status="authorized", authorized__gt=0, captured=0, voided=0)
    | Q(status="expired", authorized__gt=0, captured=0, voided=0)
    | Q(status="voided", captured=0, voided__gt=0, voided=F("authorized"))
    | Q(
        status="partially_captured",
        captured__gt=0,
        refunded=0,
        authorized__gt=F("captured") + F("voided"),
    )
    | Q(
        status="captured",
        captured__gt=0,
        refunded=0,
        authorized=F("captured") + F("voided"),
    )
    | Q(status="partially_refunded", refunded__gt=0, captured__gt=F("refunded"))
    | Q(status="refunded", refunded__gt=0, captured=F("refunded"))
)

AMOUNT_FIELDS = ("authorized", "captured", "voided", "refunded", "disputed_lost")


class Payment(models.Model):
    """One attempt to pay one order: what was asked, and what the ledger says happened."""

    order = models.ForeignKey(
        "orders.Order", on_delete=models.PROTECT, related_name="payments"
    )
    method = models.ForeignKey(
        PaymentMethod,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payments",
    )
    gateway = models.CharField(max_length=30)
    gateway_reference = models.CharField(  # noqa: DJ001 - NULL until authorized, then set once
        max_length=100,
        null=True,
        blank=True,
        help_text="The gateway's id of the authorization (set by the ledger, once).",
    )
    currency = models.CharField(max_length=3)
    amount = models.DecimalField(
        **MONEY, help_text="What the customer was asked to pay."
    )
    authorized = models.DecimalField(**MONEY, default=0, editable=False)
    captured = models.DecimalField(**MONEY, default=0, editable=False)
    voided = models.DecimalField(
        **MONEY, default=0, editable=False, help_text="Authorized, then released."
    )
    refunded = models.DecimalField(**MONEY, default=0, editable=False)
    disputed_lost = models.DecimalField(
        **MONEY, default=0, editable=False, help_text="Taken back by lost disputes."
    )
    status = models.CharField(
        max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.PENDING
    )
    failure_code = models.CharField(max_length=40, blank=True)
    failure_message = models.CharField(max_length=200, blank=True)
    note = models.CharField(
        max_length=1000,
        blank=True,
        help_text="How money recorded by hand came in (staff's words).",
    )
    created_at = models.DateTimeField(default=timezone.now)
    authorized_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["order", "-created_at"], name="payments_payment_order"
            ),
            models.Index(
                fields=["authorized_at", "id"],
                condition=Q(status="authorized"),
                name="payments_payment_held",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0)
                & Q(authorized__gte=0)
                & Q(captured__gte=0)
                & Q(voided__gte=0)
                & Q(refunded__gte=0)
                & Q(disputed_lost__gte=0),
                name="payments_payment_amounts_gte_0",
            ),
            models.CheckConstraint(
                condition=Q(authorized__lte=F("amount")),
                name="payments_payment_authorized_lte_amount",
            ),
            models.CheckConstraint(
                condition=Q(captured__lte=F("authorized") - F("voided")),
                name="payments_payment_captured_lte_authorized",
            ),
            models.CheckConstraint(
                condition=Q(refunded__lte=F("captured") - F("disputed_lost")),
                name="payments_payment_refunded_lte_captured",
            ),
            models.CheckConstraint(
                condition=Q(status__in=PaymentStatus.values),
                name="payments_payment_status_valid",
            ),
            models.CheckConstraint(
                condition=_STATUS_AMOUNTS,
                name="payments_payment_status_matches_amounts",
            ),
            # Money recorded by hand says how it came in; a gateway's payment has no note.
            models.CheckConstraint(
                condition=Q(gateway=MANUAL, note__gt="")
                | (~Q(gateway=MANUAL) & Q(note="")),
                name="payments_payment_note_by_hand_only",
            ),
        ]
        triggers = [
            *audited(),
            *never_deleted("payment_no_delete"),
            immutable(
                "terms_immutable",
                "order",
                "method",
                "currency",
                "amount",
                "gateway",
                "note",
            ),
            set_once("reference_set_once", "gateway_reference"),
            pgtrigger.FSM(
                name="status_fsm", field="status", transitions=PAYMENT_TRANSITIONS
            ),
            pgtrigger.Trigger(
                name="amounts_from_ledger",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert | pgtrigger.Update,
                func="""
                    -- The amounts move only when payments_amounts_apply() applies a ledger
                    -- row: a trigger (depth > 1) running with the table owner's rights.
                    IF TG_OP = 'INSERT' THEN
                        IF NEW.authorized <> 0 OR NEW.captured <> 0 OR NEW.voided <> 0
                           OR NEW.refunded <> 0 OR NEW.disputed_lost <> 0 OR NEW.status <> 'pending' THEN
                            RAISE EXCEPTION 'payments_payment_amounts_from_ledger: a payment starts pending with no money moved'
                                USING ERRCODE = 'check_violation', CONSTRAINT = 'payments_payment_amounts_from_ledger';
                        END IF;
                    ELSIF (NEW.authorized, NEW.captured, NEW.voided, NEW.refunded, NEW.disputed_lost)
                          IS DISTINCT FROM (OLD.authorized, OLD.captured, OLD.voided, OLD.refunded, OLD.disputed_lost)
                      AND (pg_trigger_depth() < 2 OR NOT pg_has_role(
                          current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'USAGE')) THEN
                        RAISE EXCEPTION 'payments_payment_amounts_from_ledger: the amounts of payment % change only through its ledger', OLD.id
                            USING ERRCODE = 'check_violation', CONSTRAINT = 'payments_payment_amounts_from_ledger';
                    END IF;
                    RETURN NEW;
                """,
            ),
        ]

    def __str__(self):
        return f"{self.gateway} {self.amount} {self.currency} ({self.status})"

    @property
    def capturable(self):
        return self.authorized - self.voided - self.captured

    @property
    def refundable(self):
        return self.captured - self.refunded - self.disputed_lost

    @property
    def kept(self):
        """What the shop keeps: captured, less refunds and lost disputes."""
        return self.captured - self.refunded - self.disputed_lost


class Kind(models.TextChoices):
    AUTHORIZE = "authorize", "Authorize"
    CAPTURE = "capture", "Capture"
    VOID = "void", "Void"
    REFUND = "refund", "Refund"
    CHARGEBACK = "chargeback", "Chargeback"
    CHARGEBACK_REVERSAL = "chargeback_reversal", "Chargeback reversal"


GATEWAY_KINDS = ("authorize", "capture", "void", "refund")


class PaymentAttempt(models.Model):
    """The intent of one gateway call, committed before the call; its outcome is set once."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"  # recorded, the call not answered yet
        UNKNOWN = "unknown", "Unknown"  # the call failed on the way: ask the gateway
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, related_name="attempts"
    )
    kind = models.CharField(
        max_length=20, choices=[(k, k.title()) for k in GATEWAY_KINDS]
    )
    amount = models.DecimalField(**MONEY)
    idempotency_key = models.CharField(max_length=100, unique=True)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING
    )
    error = models.CharField(max_length=200, blank=True)
    actor_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(
                fields=["created_at", "id"],
                condition=Q(status__in=["pending", "unknown"]),
                name="payments_attempt_open",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="payments_paymentattempt_amount_gte_0"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=GATEWAY_KINDS),
                name="payments_paymentattempt_kind_valid",
            ),
            # One call in flight per payment: a second one waits for the first's outcome.
            models.UniqueConstraint(
                fields=["payment"],
                condition=Q(status__in=["pending", "unknown"]),
                name="payments_paymentattempt_one_open",
            ),
        ]
        triggers = [
            *audited(),
            *never_deleted("attempt_no_delete"),
            immutable(
                "intent_immutable",
                "payment",
                "kind",
                "amount",
                "idempotency_key",
                "created_at",
            ),
            set_once("outcome_set_once", "settled_at"),
            pgtrigger.FSM(
                name="status_fsm",
                field="status",
                transitions=[
                    ("pending", "succeeded"),
                    ("pending", "failed"),
                    ("pending", "unknown"),
                    ("unknown", "succeeded"),
                    ("unknown", "failed"),
                ],
            ),
        ]

    def __str__(self):
        return f"{self.kind} {self.amount} ({self.status})"


class Dispute(models.Model):
    """A chargeback the customer's bank opened: lost, it takes money back from the payment."""

    class Status(models.TextChoices):
        OPENED = "opened", "Opened"
        WON = "won", "Won"
        LOST = "lost", "Lost"

    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, related_name="disputes"
    )
    gateway_reference = models.CharField(max_length=100, unique=True)
    amount = models.DecimalField(**MONEY)
    reason = models.CharField(max_length=60, blank=True)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.OPENED
    )
    evidence_notes = models.TextField(blank=True)
    opened_at = models.DateTimeField(default=timezone.now)
    respond_by = models.DateTimeField(
        help_text="Evidence is due at the gateway by then."
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="payments_dispute_amount_gt_0"
            ),
            models.CheckConstraint(
                condition=Q(status="opened", closed_at__isnull=True)
                | Q(status__in=["won", "lost"], closed_at__isnull=False),
                name="payments_dispute_closed_when_decided",
            ),
        ]
        triggers = [
            *audited(),
            *never_deleted("dispute_no_delete"),
            immutable(
                "claim_immutable", "payment", "gateway_reference", "amount", "opened_at"
            ),
            pgtrigger.FSM(
                name="status_fsm",
                field="status",
                transitions=[("opened", "won"), ("opened", "lost"), ("lost", "won")],
            ),
        ]

    def __str__(self):
        return f"dispute {self.gateway_reference} ({self.status})"


# Created by migration 0001: SECURITY DEFINER, owned by the tables' owner (the one writer of
# the payment's amounts). The ledger's trigger executes it directly.
AMOUNTS_APPLY_FUNCTION = "payments_amounts_apply"


class AmountsApply(pgtrigger.Trigger):
    """AFTER INSERT FOR EACH ROW on the ledger: a succeeded row moves its payment's amounts.

    The trigger executes the shared function directly, so no session setting (such as
    `pgtrigger.ignore`) switches it off.
    """

    when = pgtrigger.After
    level = pgtrigger.Row
    operation = pgtrigger.Insert
    func = "RETURN NULL;"

    def render_execute(self, model) -> str:
        return f"{AMOUNTS_APPLY_FUNCTION}()"


class PaymentTransaction(models.Model):
    """The ledger: one row per settled gateway call or chargeback, never changed.

    Amounts are positive; the kind says which of the payment's amounts a succeeded row adds
    to (a void releases authorized money, a reversal gives a lost chargeback back). A failed
    row (a decline) moves nothing and is kept for the record.
    """

    class Outcome(models.TextChoices):
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, related_name="transactions"
    )
    attempt = models.OneToOneField(
        PaymentAttempt,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transaction",
    )
    dispute = models.ForeignKey(
        Dispute,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transactions",
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    gateway_reference = models.CharField(max_length=100, blank=True)
    idempotency_key = models.CharField(max_length=100, unique=True)
    code = models.CharField(max_length=40, blank=True, help_text="Decline code.")
    response = models.JSONField(
        default=dict,
        blank=True,
        help_text="What the gateway answered, secrets removed.",
    )
    actor_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["payment", "created_at"], name="payments_txn_payment"),
            models.Index(fields=["created_at"], name="payments_txn_created"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="payments_paymenttransaction_amount_gt_0",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=Kind.values),
                name="payments_paymenttransaction_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(outcome__in=["succeeded", "failed"]),
                name="payments_paymenttransaction_outcome_valid",
            ),
            # A gateway call's row comes from its attempt; a chargeback's from its dispute.
            models.CheckConstraint(
                condition=Q(
                    kind__in=GATEWAY_KINDS, attempt__isnull=False, dispute__isnull=True
                )
                | Q(
                    kind__in=["chargeback", "chargeback_reversal"],
                    attempt__isnull=True,
                    dispute__isnull=False,
                    outcome="succeeded",
                ),
                name="payments_paymenttransaction_source",
            ),
            _no_card_number(
                "gateway_reference",
                "payments_paymenttransaction_reference_not_card_number",
            ),
            models.CheckConstraint(
                condition=~Q(
                    Regex(Cast("response", models.TextField()), CARD_NUMBER_LIKE)
                ),
                name="payments_paymenttransaction_response_no_card_number",
            ),
            models.UniqueConstraint(
                fields=["payment"],
                condition=Q(kind="authorize", outcome="succeeded"),
                name="payments_paymenttransaction_one_authorization",
            ),
        ]
        triggers = [
            *append_only("ledger_append_only"),
            AmountsApply(name="apply_to_payment"),
        ]

    def __str__(self):
        return f"{self.kind} {self.amount} {self.currency} ({self.outcome})"


class RefundReason(models.TextChoices):
    CUSTOMER_REQUEST = "customer_request", "Customer request"
    DAMAGED = "damaged", "Damaged or defective"
    NOT_DELIVERED = "not_delivered", "Not delivered"
    ORDER_CANCELLED = "order_cancelled", "Order cancelled"
    ORDER_EXPIRED = "order_expired", "Paid after the order expired"
    DUPLICATE = "duplicate", "Duplicate payment"
    OTHER = "other", "Other"


REFUND_REASONS = RefundReason.values


class Refund(models.Model):
    """Staff's decision to give money back: how much, why, who, for which lines."""

    Reason = RefundReason

    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, related_name="refunds"
    )
    attempt = models.OneToOneField(
        PaymentAttempt, on_delete=models.PROTECT, related_name="refund"
    )
    amount = models.DecimalField(**MONEY)
    reason = models.CharField(max_length=20, choices=Reason.choices)
    note = models.TextField(blank=True, max_length=2000)
    lines = models.JSONField(
        default=list, blank=True, help_text='[{"line": <order line id>, "quantity": n}]'
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="payments_refund_amount_gt_0"
            ),
            models.CheckConstraint(
                condition=Q(reason__in=REFUND_REASONS),
                name="payments_refund_reason_valid",
            ),
        ]
        triggers = [*audited(), *append_only("refund_append_only")]

    def __str__(self):
        return f"refund {self.amount} ({self.reason})"


class GatewayNotification(models.Model):
    """An event the gateway sent us (signed), stored once by its id, applied once.

    What arrived never changes; the outcome of applying it is written once, with
    `processed_at`. A notification stored but not processed (the worker stopped between the
    two) is applied by the retry job, by staff, or when the gateway sends it again.
    """

    class Outcome(models.TextChoices):
        APPLIED = "applied", "Applied"
        UNCHANGED = "unchanged", "Already so"  # a replay or a late duplicate
        IGNORED = "ignored", "Ignored"  # a type the shop does not apply
        REJECTED = "rejected", "Rejected"  # it contradicts the ledger or names nothing

    gateway = models.CharField(max_length=30)
    event_id = models.CharField(max_length=100)
    type = models.CharField(max_length=60)
    payload = models.JSONField(help_text="The body the gateway signed.")
    received_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)
    error = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        permissions = [
            ("apply_gatewaynotification", "Can apply a stored notification again"),
        ]
        indexes = [
            # What the retry job and the admin's "unprocessed" filter look for.
            models.Index(
                fields=["received_at", "id"],
                condition=Q(processed_at__isnull=True),
                name="payments_notif_unprocessed",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["gateway", "event_id"],
                name="payments_gatewaynotification_event_once",
            ),
            models.CheckConstraint(
                condition=Q(processed_at__isnull=True, outcome="", error="")
                | Q(
                    processed_at__isnull=False,
                    outcome__in=["applied", "unchanged", "ignored", "rejected"],
                ),
                name="payments_gatewaynotification_outcome_when_processed",
            ),
            models.CheckConstraint(
                condition=~Q(
                    Regex(Cast("payload", models.TextField()), CARD_NUMBER_LIKE)
                ),
                name="payments_gatewaynotification_payload_no_card_number",
            ),
        ]
        triggers = [
            *audited(),
            *never_deleted("notification_no_delete"),
            immutable(
                "received_immutable",
                "gateway",
                "event_id",
                "type",
                "payload",
                "received_at",
            ),
            pgtrigger.Trigger(
                name="outcome_set_once",
                when=pgtrigger.Before,
                operation=pgtrigger.Update,
                # set_once() cannot say it: the outcome is '' (not NULL) until processed.
                condition=pgtrigger.Condition(
                    'OLD."processed_at" IS NOT NULL AND (OLD."processed_at", OLD."outcome",'
                    ' OLD."error") IS DISTINCT FROM (NEW."processed_at", NEW."outcome",'
                    ' NEW."error")'
                ),
                func="""
                    RAISE EXCEPTION 'payments_gatewaynotification_outcome_set_once: notification % was processed, its outcome never changes', OLD.id
                        USING ERRCODE = 'check_violation', CONSTRAINT = 'payments_gatewaynotification_outcome_set_once';
                """,
            ),
        ]

    def __str__(self):
        return f"{self.gateway} {self.type} {self.event_id} ({self.outcome or 'new'})"
