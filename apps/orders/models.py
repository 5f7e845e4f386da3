"""Orders: what a customer bought, at what price, and where it is in its life.

The database keeps every rule: money CHECKs (`total = subtotal - discount + tax + shipping`),
a status machine whose allowed moves are `TRANSITIONS` (one list, compiled into a pgtrigger
FSM), a status history written only by a trigger, lines that never change once placed,
fulfilment that can never ship more than was ordered, and no DELETE or TRUNCATE of any of it.
"""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from apps.auditing.triggers import append_only, audited, immutable, never_deleted
from apps.catalog.models import ProductVariant

MONEY = {"max_digits": 12, "decimal_places": 2}


class Status(models.TextChoices):
    PENDING = "pending", "Pending payment"
    PAID = "paid", "Paid"
    PARTIALLY_FULFILLED = "partially_fulfilled", "Partially shipped"
    SHIPPED = "shipped", "Shipped"
    DELIVERED = "delivered", "Delivered"
    CANCELLED = "cancelled", "Cancelled"
    EXPIRED = "expired", "Expired"
    RETURNED = "returned", "Returned"


# The order's life, in one place: the database trigger, the services and the admin's buttons
# all read this list. (from, to)
TRANSITIONS: tuple[tuple[str, str], ...] = (
    ("pending", "paid"),
    ("pending", "cancelled"),
    ("pending", "expired"),
    # A payment whose success arrives after the order expired: only with its stock held
    # again (the trigger `orders_order_paid_with_stock` checks the reservations).
    ("expired", "paid"),
    ("paid", "partially_fulfilled"),
    ("paid", "shipped"),
    ("paid", "cancelled"),
    ("partially_fulfilled", "shipped"),
    ("shipped", "delivered"),
    ("delivered", "returned"),
)
OPEN_STATUSES = ("pending",)


class ShippingMethod(models.Model):
    """A way of delivering an order that staff price: free above an amount when set."""

    name = models.CharField(max_length=100, unique=True)
    description = models.CharField(max_length=200, blank=True)
    price = models.DecimalField(**MONEY)
    free_above = models.DecimalField(
        **MONEY,
        null=True,
        blank=True,
        help_text="Orders whose goods total reaches this amount ship free; empty: never.",
    )
    currency = models.CharField(max_length=3, default="EUR")
    is_active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "price", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(price__gte=0), name="orders_shippingmethod_price_gte_0"
            ),
            models.CheckConstraint(
                condition=Q(free_above__isnull=True) | Q(free_above__gte=0),
                name="orders_shippingmethod_free_above_gte_0",
            ),
        ]
        triggers = [*audited()]

    def __str__(self):
        return self.name


class StatusHistoryTrigger(pgtrigger.Trigger):
    """AFTER INSERT / UPDATE OF status: write the order's status change, with who and why.

    The acting user is the one the service names (`set_config('orders.actor_id', ..., true)`),
    else the audit context's; the note comes from `orders.status_note`, both set by the
    service for its transaction only.
    """

    when = pgtrigger.After
    level = pgtrigger.Row

    def get_func(self, model) -> str:
        previous = "''" if self.operation == pgtrigger.Insert else "OLD.status"
        return f"""
            INSERT INTO orders_orderstatuschange
                (order_id, from_status, to_status, changed_at, actor_id, note)
            VALUES (
                NEW.id, {previous}, NEW.status, clock_timestamp(),
                COALESCE(
                    NULLIF(current_setting('orders.actor_id', true), ''),
                    COALESCE(NULLIF(current_setting('audit.context', true), ''), '{{}}')::jsonb ->> 'actor_id'
                )::bigint,
                COALESCE(current_setting('orders.status_note', true), '')
            );
            RETURN NULL;
        """


def adds_up_to_its_lines(name: str, order_id: str) -> pgtrigger.Trigger:
    """At commit, the order `order_id` (NEW.id, NEW.order_id) states what its lines add up
    to: subtotal = Σ unit price × quantity, discount and tax = Σ the lines', item count =
    Σ quantity. Deferred: an order is inserted before its lines, in the same transaction;
    on both tables, since a line may be appended to an order later (the lines are append-only
    and the order's terms immutable, so inserts are all that can change the sums)."""
    return pgtrigger.Trigger(
        name=name,
        when=pgtrigger.After,
        operation=pgtrigger.Insert,
        timing=pgtrigger.Deferred,
        func=f"""
            IF EXISTS (
                SELECT FROM orders_order o
                 CROSS JOIN LATERAL (
                     SELECT coalesce(sum(l.unit_price * l.quantity), 0) AS subtotal,
                            coalesce(sum(l.discount), 0) AS discount,
                            coalesce(sum(l.tax), 0) AS tax,
                            coalesce(sum(l.quantity), 0) AS item_count
                       FROM orders_orderline l WHERE l.order_id = o.id
                 ) s
                 WHERE o.id = {order_id}
                   AND (o.subtotal, o.discount, o.tax, o.item_count)
                       IS DISTINCT FROM (s.subtotal, s.discount, s.tax, s.item_count)
            ) THEN
                RAISE EXCEPTION 'orders_order_adds_up_to_its_lines: order % states other sums than its lines', {order_id}
                    USING ERRCODE = 'check_violation', CONSTRAINT = 'orders_order_adds_up_to_its_lines';
            END IF;
            RETURN NULL;
        """,
    )


class Order(models.Model):
    number = models.CharField(max_length=20, unique=True, editable=False)
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
    )
    email = models.EmailField(
        help_text="Where the order's mail goes (the guest's email)."
    )
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.PENDING
    )
    currency = models.CharField(max_length=3, default="EUR")
    subtotal = models.DecimalField(**MONEY, help_text="Lines at list price.")
    discount = models.DecimalField(**MONEY, help_text="Promotions and tier savings.")
    tax = models.DecimalField(**MONEY)
    shipping = models.DecimalField(**MONEY)
    total = models.DecimalField(**MONEY)
    shipping_method = models.ForeignKey(
        ShippingMethod, on_delete=models.PROTECT, related_name="orders"
    )
    shipping_method_name = models.CharField(max_length=100)
    shipping_address = models.JSONField(help_text="Snapshot at placement.")
    billing_address = models.JSONField(help_text="Snapshot at placement.")
    item_count = models.PositiveIntegerField()
    idempotency_key = models.CharField(max_length=64, unique=True, editable=False)
    placed_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(
        help_text="An unpaid order expires then and its stock goes back."
    )
    paid_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-placed_at", "-id"]
        indexes = [
            models.Index(fields=["-placed_at", "-id"], name="orders_order_placed"),
            models.Index(
                fields=["customer", "-placed_at"], name="orders_order_customer"
            ),
            models.Index(fields=["status", "-placed_at"], name="orders_order_status"),
            # The payments' reconciliation reads the orders paid on each day.
            models.Index(
                fields=["paid_at"],
                condition=Q(paid_at__isnull=False),
                name="orders_order_paid",
            ),
            models.Index(
                fields=["expires_at", "id"],
                condition=Q(status="pending"),
                name="orders_order_due",
            ),
            models.Index(
                models.functions.Lower("email"),
                "status",
                name="orders_order_email_status",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(subtotal__gte=0)
                & Q(discount__gte=0)
                & Q(tax__gte=0)
                & Q(shipping__gte=0)
                & Q(total__gte=0),
                name="orders_order_amounts_gte_0",
            ),
            models.CheckConstraint(
                condition=Q(
                    total=F("subtotal") - F("discount") + F("tax") + F("shipping")
                ),
                name="orders_order_total_adds_up",
            ),
            models.CheckConstraint(
                condition=Q(discount__lte=F("subtotal")),
                name="orders_order_discount_lte_subtotal",
            ),
            models.CheckConstraint(
                condition=Q(item_count__gt=0), name="orders_order_item_count_gt_0"
            ),
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="orders_order_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("placed_at")),
                name="orders_order_expires_after_placed",
            ),
        ]
        triggers = [
            *audited(),
            *never_deleted("order_no_delete"),
            pgtrigger.FSM(name="status_fsm", field="status", transitions=TRANSITIONS),
            pgtrigger.Trigger(
                name="placed_as_pending",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert,
                condition=pgtrigger.Q(new__status__df="pending"),
                func="""
                    RAISE EXCEPTION 'orders_order_placed_as_pending: an order starts pending'
                        USING ERRCODE = 'check_violation', CONSTRAINT = 'orders_order_placed_as_pending';
                """,
            ),
            # What was bought, by whom, for how much, never changes after placing.
            immutable(
                "terms_immutable",
                "number",
                "customer",
                "currency",
                "subtotal",
                "discount",
                "tax",
                "shipping",
                "total",
                "item_count",
                "idempotency_key",
                "placed_at",
                "shipping_method",
            ),
            pgtrigger.Trigger(
                name="paid_with_stock",
                when=pgtrigger.Before,
                operation=pgtrigger.UpdateOf("status"),
                condition=pgtrigger.Q(old__status="expired", new__status="paid"),
                func="""
                    -- An expired order gave its stock back: it is paid only when its active
                    -- reservations cover every line again.
                    IF EXISTS (
                        SELECT 1 FROM orders_orderline l
                        WHERE l.order_id = NEW.id AND l.quantity > COALESCE((
                            SELECT sum(r.quantity) FROM inventory_reservation r
                            WHERE r.owner_type = 'order' AND r.owner_id = NEW.id::text
                              AND r.status = 'active' AND r.variant_id = l.variant_id), 0)
                    ) THEN
                        RAISE EXCEPTION 'orders_order_paid_with_stock: expired order % is paid only with its stock reserved again', NEW.id
                            USING ERRCODE = 'check_violation', CONSTRAINT = 'orders_order_paid_with_stock';
                    END IF;
                    RETURN NEW;
                """,
            ),
            adds_up_to_its_lines("adds_up_to_its_lines", "NEW.id"),
            StatusHistoryTrigger(name="history_on_insert", operation=pgtrigger.Insert),
            StatusHistoryTrigger(
                name="history_on_status",
                operation=pgtrigger.UpdateOf("status"),
                condition=pgtrigger.Q(old__status__df=pgtrigger.F("new__status")),
            ),
        ]

    def __str__(self):
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="lines")
    variant = models.ForeignKey(
        ProductVariant, on_delete=models.PROTECT, related_name="order_lines"
    )
    product_name = models.CharField(max_length=200)
    sku = models.CharField("SKU", max_length=64)
    options = models.CharField(max_length=200, blank=True)
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(**MONEY, help_text="List price of one unit.")
    discount = models.DecimalField(**MONEY, help_text="Savings on the whole line.")
    tax_rate = models.DecimalField(max_digits=5, decimal_places=4)
    tax = models.DecimalField(**MONEY)
    line_total = models.DecimalField(
        **MONEY, help_text="unit price × quantity − discount, before tax."
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "variant"], name="orders_orderline_one_per_variant"
            ),
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="orders_orderline_quantity_gt_0"
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0)
                & Q(discount__gte=0)
                & Q(tax__gte=0)
                & Q(line_total__gte=0)
                & Q(tax_rate__gte=0),
                name="orders_orderline_amounts_gte_0",
            ),
            models.CheckConstraint(
                condition=Q(line_total=F("unit_price") * F("quantity") - F("discount")),
                name="orders_orderline_total_adds_up",
            ),
        ]
        triggers = [
            *audited(),
            *append_only("line_append_only"),
            adds_up_to_its_lines("order_adds_up", "NEW.order_id"),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.sku}"


class OrderStatusChange(models.Model):
    """One move of an order's status: written by the order's trigger only, never changed."""

    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="status_changes"
    )
    from_status = models.CharField(
        max_length=20, blank=True, help_text="Empty for the order's first status."
    )
    to_status = models.CharField(max_length=20)
    changed_at = models.DateTimeField()
    actor_id = models.BigIntegerField(null=True, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["changed_at", "id"]
        indexes = [
            models.Index(fields=["order", "changed_at"], name="orders_osc_order")
        ]
        triggers = [
            *append_only("statuschange_append_only"),
            pgtrigger.Trigger(
                name="written_by_order",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert,
                condition=pgtrigger.Condition("pg_trigger_depth() < 1"),
                func="""
                    RAISE EXCEPTION 'orders_orderstatuschange_written_by_order: the status history is written by the order''s trigger only'
                        USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'orders_orderstatuschange_written_by_order';
                """,
            ),
        ]

    def __str__(self):
        return f"{self.from_status or '—'} → {self.to_status}"


class OrderNote(models.Model):
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True
    )
    body = models.TextField(max_length=4000)
    customer_visible = models.BooleanField(
        default=False, help_text="Shown to the customer on their order page."
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        triggers = [*audited(), *append_only("note_append_only")]

    def __str__(self):
        return self.body[:60]


class Fulfilment(models.Model):
    class Status(models.TextChoices):
        SHIPPED = "shipped", "Shipped"
        DELIVERED = "delivered", "Delivered"

    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="fulfilments"
    )
    carrier = models.CharField(max_length=60)
    tracking_number = models.CharField(max_length=80, blank=True)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.SHIPPED
    )
    shipped_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["shipped_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(delivered_at__isnull=True)
                | Q(delivered_at__gte=F("shipped_at")),
                name="orders_fulfilment_delivered_after_shipped",
            )
        ]
        triggers = [
            *audited(),
            *never_deleted("fulfilment_no_delete"),
            immutable("shipment_immutable", "order", "shipped_at"),
            pgtrigger.FSM(
                name="status_fsm",
                field="status",
                transitions=[("shipped", "delivered")],
            ),
        ]

    def __str__(self):
        return f"{self.carrier} {self.tracking_number}".strip()


class FulfilmentLine(models.Model):
    fulfilment = models.ForeignKey(
        Fulfilment, on_delete=models.PROTECT, related_name="lines"
    )
    order_line = models.ForeignKey(
        OrderLine, on_delete=models.PROTECT, related_name="fulfilment_lines"
    )
    quantity = models.PositiveIntegerField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="orders_fulfilmentline_quantity_gt_0"
            ),
            models.UniqueConstraint(
                fields=["fulfilment", "order_line"],
                name="orders_fulfilmentline_one_per_line",
            ),
        ]
        triggers = [
            *audited(),
            *append_only("fulfilmentline_append_only"),
            pgtrigger.Trigger(
                name="not_more_than_ordered",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert,
                func="""
                    DECLARE
                        ordered integer;
                        shipped integer;
                        line_order bigint;
                        shipment_order bigint;
                    BEGIN
                        -- Concurrent shipments of one line are counted one after another
                        -- (an advisory lock: the lines themselves are never updated).
                        PERFORM pg_advisory_xact_lock(
                            hashtext('orders_fulfilmentline'), (NEW.order_line_id % 2147483647)::integer);
                        SELECT quantity, order_id INTO ordered, line_order
                        FROM orders_orderline WHERE id = NEW.order_line_id;
                        SELECT order_id INTO shipment_order FROM orders_fulfilment WHERE id = NEW.fulfilment_id;
                        IF line_order IS DISTINCT FROM shipment_order THEN
                            RAISE EXCEPTION 'orders_fulfilmentline_same_order: a shipment carries lines of its own order only'
                                USING ERRCODE = 'check_violation', CONSTRAINT = 'orders_fulfilmentline_same_order';
                        END IF;
                        SELECT COALESCE(sum(quantity), 0) INTO shipped
                        FROM orders_fulfilmentline WHERE order_line_id = NEW.order_line_id;
                        IF shipped + NEW.quantity > ordered THEN
                            RAISE EXCEPTION 'orders_fulfilmentline_not_more_than_ordered: line % has % ordered, % shipped, % more refused',
                                NEW.order_line_id, ordered, shipped, NEW.quantity
                                USING ERRCODE = 'check_violation', CONSTRAINT = 'orders_fulfilmentline_not_more_than_ordered';
                        END IF;
                        RETURN NEW;
                    END;
                """,
            ),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.order_line.sku}"


class IdempotencyKey(models.Model):
    """A checkout submission's key: the same key places at most one order (kept ≥ 24 h)."""

    key = models.CharField(max_length=64, unique=True)
    fingerprint = models.CharField(
        max_length=64, help_text="SHA-256 of what was submitted under the key."
    )
    order = models.OneToOneField(
        Order, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["created_at"], name="orders_idemkey_created")]
        triggers = [immutable("request_immutable", "key", "fingerprint", "created_at")]

    def __str__(self):
        return self.key


class OutboxEvent(models.Model):
    """A fact other systems must hear once, written in the transaction that made it true."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        DEAD = "dead", "Dead"

    event_id = models.UUIDField(unique=True, editable=False)
    topic = models.CharField(max_length=60)
    aggregate_type = models.CharField(max_length=30, default="order")
    aggregate_id = models.CharField(max_length=40)
    payload = models.JSONField()
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at", "id"],
                condition=Q(status="pending"),
                name="orders_outbox_due",
            ),
            models.Index(
                fields=["aggregate_type", "aggregate_id"],
                name="orders_outbox_aggregate",
            ),
            models.Index(fields=["status", "-created_at"], name="orders_outbox_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "sent", "dead"]),
                name="orders_outboxevent_status_valid",
            )
        ]
        triggers = [
            *never_deleted("outbox_no_delete"),
            immutable(
                "event_immutable",
                "event_id",
                "topic",
                "aggregate_type",
                "aggregate_id",
                "payload",
                "created_at",
            ),
            pgtrigger.FSM(
                name="status_fsm",
                field="status",
                transitions=[
                    ("pending", "sent"),
                    ("pending", "dead"),
                    ("dead", "pending"),
                ],
            ),
        ]

    def __str__(self):
        return f"{self.topic} {self.aggregate_id}"


class WebhookEndpoint(models.Model):
    """A receiver staff configure: every event whose topic it lists is POSTed to it, signed."""

    url = models.URLField(max_length=500)
    secret = models.CharField(
        max_length=100, help_text="Shared secret for the HMAC-SHA256 signature."
    )
    topics = models.JSONField(
        default=list,
        blank=True,
        help_text='Topics to receive, e.g. ["order.placed"]; empty: every topic.',
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        triggers = [*audited(exclude=["secret"])]

    def __str__(self):
        return self.url

    def wants(self, topic: str) -> bool:
        return not self.topics or topic in self.topics


class Delivery(models.Model):
    """One event delivered to one target: a retry skips the targets that already have it."""

    event = models.ForeignKey(
        OutboxEvent, on_delete=models.PROTECT, related_name="deliveries"
    )
    target = models.CharField(max_length=120)
    delivered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["event", "target"], name="orders_delivery_once_per_target"
            )
        ]
        triggers = [*append_only("delivery_append_only")]

    def __str__(self):
        return f"{self.event_id} → {self.target}"


class SalesDay(models.Model):
    """A day's sales, rolled up by a job from the orders placed that day (not cancelled)."""

    day = models.DateField(unique=True)
    currency = models.CharField(max_length=3, default="EUR")
    orders = models.PositiveIntegerField(default=0)
    units = models.PositiveIntegerField(default=0)
    revenue = models.DecimalField(**MONEY, default=0)
    refreshed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-day"]

    def __str__(self):
        return str(self.day)
