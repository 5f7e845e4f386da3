"""Stock that is never oversold, reservations that expire, and a ledger that adds up.

`Stock.on_hand` can only change by inserting a `StockMovement`: a trigger on the ledger
applies the quantity (with the owner's rights), and a trigger on stock refuses any other change
of `on_hand`. So the ledger sums to `on_hand` by construction, for every writer, raw SQL
included.

`Stock.reserved` is derived the same way from the reservations: triggers on
`inventory_reservation` add an active reservation's quantity when it is written and take it
off when it leaves `active`, and a trigger on stock refuses any other change of `reserved`.
"""

from __future__ import annotations

import pgtrigger
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from apps.auditing.triggers import append_only, audited, immutable, never_deleted
from apps.auditing.validators import phone_valid, validate_phone
from apps.catalog.models import ProductVariant


class Warehouse(models.Model):
    code = models.SlugField(max_length=20, unique=True)
    name = models.CharField(max_length=120)
    address = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    priority = models.PositiveSmallIntegerField(
        default=100, help_text="Reservations draw from lower numbers first."
    )

    class Meta:
        ordering = ["priority", "code"]
        triggers = [*audited()]

    def __str__(self):
        return f"Warehouse {self.name} ({self.code.upper()})"


class LowStockTrigger(pgtrigger.Trigger):
    """Raise an alert once when available falls under the reorder point; clear it on restock.

    On update FOR EACH ROW with a WHEN condition: it fires only for a row whose available
    crosses the reorder point, so a sale that crosses nothing costs nothing (a statement-level
    pass would run on every sale of the hot path).
    """

    when = pgtrigger.After
    func = """
        IF NEW.on_hand - NEW.reserved < NEW.reorder_point THEN
            INSERT INTO inventory_lowstockalert (stock_id, raised_at, available_at_raise, reorder_point)
            VALUES (NEW.id, now(), NEW.on_hand - NEW.reserved, NEW.reorder_point)
            ON CONFLICT (stock_id) WHERE cleared_at IS NULL DO NOTHING;
        ELSE
            UPDATE inventory_lowstockalert SET cleared_at = now() WHERE stock_id = NEW.id AND cleared_at IS NULL;
        END IF;
        RETURN NULL;
    """


class LowStockOnInsert(pgtrigger.Trigger):
    """New stock rows under their reorder point get their alerts in one pass per statement
    (FOR EACH STATEMENT over the inserted rows: opening a warehouse is one statement)."""

    when = pgtrigger.After
    level = pgtrigger.Statement
    func = """
        INSERT INTO inventory_lowstockalert (stock_id, raised_at, available_at_raise, reorder_point)
        SELECT n.id, now(), n.on_hand - n.reserved, n.reorder_point
          FROM new_rows n WHERE n.on_hand - n.reserved < n.reorder_point ORDER BY n.id
        ON CONFLICT (stock_id) WHERE cleared_at IS NULL DO NOTHING;
        RETURN NULL;
    """


# Created by migrations 0007 and 0008: SECURITY DEFINER, owned by the tables' owner (the one
# writer of Stock.reserved, and of Stock.on_hand). The triggers below only point at them.
RESERVED_SYNC_FUNCTION = "inventory_reserved_sync"
ON_HAND_APPLY_FUNCTION = "inventory_on_hand_apply"


class OwnerFunctionTrigger(pgtrigger.Trigger):
    """An AFTER trigger that executes a shared function a migration made, with the owner's
    rights, instead of one of its own. It executes the function directly, so no session
    setting (such as `pgtrigger.ignore`) switches it off."""

    when = pgtrigger.After
    # pgtrigger always emits a function of its own; the trigger executes the shared one.
    func = "RETURN NULL;"
    function = ""

    def render_execute(self, model) -> str:
        return f"{self.function}()"


class ReservedSync(OwnerFunctionTrigger):
    """AFTER INSERT / UPDATE FOR EACH STATEMENT on reservations: one aggregated UPDATE of
    `inventory_stock.reserved` per statement (the rows locked in id order), from the
    statement's transition tables: + active rows written, - active rows no longer active.
    """

    level = pgtrigger.Statement
    function = RESERVED_SYNC_FUNCTION


class OnHandApply(OwnerFunctionTrigger):
    """AFTER INSERT FOR EACH STATEMENT on the ledger: the statement's movements summed per
    stock row onto `on_hand`, in one UPDATE (the rows locked in id order)."""

    level = pgtrigger.Statement
    function = ON_HAND_APPLY_FUNCTION


class Stock(models.Model):
    variant = models.ForeignKey(
        ProductVariant, on_delete=models.PROTECT, related_name="stock"
    )
    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="stock"
    )
    on_hand = models.IntegerField(default=0, editable=False)
    reserved = models.IntegerField(default=0, editable=False)
    reorder_point = models.PositiveIntegerField(default=0)
    reorder_quantity = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["variant", "warehouse"]
        verbose_name_plural = "stock"
        constraints = [
            models.UniqueConstraint(
                fields=["variant", "warehouse"], name="inventory_stock_unique"
            ),
            # What a reservation's (stock_id, variant_id) refers to: a reservation names its
            # stock row's variant (inventory_reservation_variant_matches_stock, migration 0009).
            models.UniqueConstraint(
                fields=["id", "variant"], name="inventory_stock_id_variant_unique"
            ),
            models.CheckConstraint(
                condition=Q(on_hand__gte=0), name="inventory_stock_on_hand_gte_0"
            ),
            models.CheckConstraint(
                condition=Q(reserved__gte=0), name="inventory_stock_reserved_gte_0"
            ),
            models.CheckConstraint(
                condition=Q(reserved__lte=F("on_hand")),
                name="inventory_stock_reserved_lte_on_hand",
            ),
        ]
        triggers = [
            *audited(),
            # A stock row is one variant in one warehouse for life: moving it to another
            # would carry its on_hand, ledger and reservations along without a movement.
            immutable("placement_immutable", "variant", "warehouse"),
            pgtrigger.Trigger(
                name="on_hand_from_ledger",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert | pgtrigger.Update,
                func="""
                    -- on_hand moves only when inventory_on_hand_apply() applies a movement: a
                    -- trigger (depth > 1) running with the table owner's rights. A top-level
                    -- statement is refused, and so is a trigger of the session's own making.
                    IF TG_OP = 'INSERT' AND NEW.on_hand <> 0 THEN
                        RAISE EXCEPTION 'inventory_stock_on_hand_from_ledger: new stock starts at 0; receive it through a movement'
                            USING ERRCODE = 'check_violation', CONSTRAINT = 'inventory_stock_on_hand_from_ledger';
                    END IF;
                    IF TG_OP = 'UPDATE' AND NEW.on_hand IS DISTINCT FROM OLD.on_hand AND (
                        pg_trigger_depth() < 2 OR NOT pg_has_role(
                            current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'USAGE'
                        )
                    ) THEN
                        RAISE EXCEPTION 'inventory_stock_on_hand_from_ledger: on_hand of stock % changes only through a stock movement', OLD.id
                            USING ERRCODE = 'check_violation', CONSTRAINT = 'inventory_stock_on_hand_from_ledger';
                    END IF;
                    RETURN NEW;
                """,
            ),
            pgtrigger.Trigger(
                name="reserved_from_reservations",
                when=pgtrigger.Before,
                operation=pgtrigger.UpdateOf("reserved"),
                condition=pgtrigger.Condition(
                    "OLD.reserved IS DISTINCT FROM NEW.reserved"
                ),
                func="""
                    -- reserved moves only when inventory_reserved_sync() applies a reservation:
                    -- a trigger (depth > 1) running with the table owner's rights. A top-level
                    -- statement is refused, and so is a trigger of the session's own making.
                    IF pg_trigger_depth() < 2 OR NOT pg_has_role(
                        current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'USAGE'
                    ) THEN
                        RAISE EXCEPTION 'inventory_stock_reserved_from_reservations: reserved of stock % changes only through its reservations', OLD.id
                            USING ERRCODE = 'check_violation', CONSTRAINT = 'inventory_stock_reserved_from_reservations';
                    END IF;
                    RETURN NEW;
                """,
            ),
            LowStockOnInsert(
                name="low_stock_on_insert",
                operation=pgtrigger.Insert,
                referencing=pgtrigger.Referencing(new="new_rows"),
            ),
            LowStockTrigger(
                name="low_stock_on_change",
                operation=pgtrigger.UpdateOf("on_hand", "reserved", "reorder_point"),
                # Only when available crosses the reorder point: not once per sale.
                condition=pgtrigger.Condition(
                    "((OLD.on_hand - OLD.reserved < OLD.reorder_point)"
                    " IS DISTINCT FROM (NEW.on_hand - NEW.reserved < NEW.reorder_point))"
                ),
            ),
        ]

    def __str__(self):
        # Lists that show stock rows select the variant and the warehouse with them.
        return f"{self.variant.sku} at {self.warehouse.name}"

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class StockMovement(models.Model):
    """The append-only ledger: every unit that moves, signed, with why and by whom."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt", "Receipt"
        ADJUSTMENT = "adjustment", "Adjustment"
        SALE = "sale", "Sale"
        RETURN = "return", "Return"
        TRANSFER_OUT = "transfer_out", "Transfer out"
        TRANSFER_IN = "transfer_in", "Transfer in"
        CORRECTION = "correction", "Correction"

    stock = models.ForeignKey(Stock, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(max_length=15, choices=Kind.choices)
    quantity = models.IntegerField()
    reason = models.CharField(max_length=200, blank=True)
    reference_type = models.CharField(
        max_length=30, blank=True
    )  # order_line, purchase_order, transfer, staff
    reference_id = models.CharField(max_length=40, blank=True)
    actor_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["stock", "-created_at"], name="inventory_movement_stock"
            ),
            # The default order (the admin's list): newest first.
            models.Index(
                fields=["-created_at", "-id"], name="inventory_movement_newest"
            ),
            # The admin's search by reference (an order line's id, a purchase order's).
            models.Index(fields=["reference_id"], name="inventory_movement_reference"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(quantity=0), name="inventory_movement_quantity_nonzero"
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind__in=["receipt", "return", "transfer_in"], quantity__gt=0)
                    | Q(kind__in=["sale", "transfer_out"], quantity__lt=0)
                    | Q(kind__in=["adjustment", "correction"])
                ),
                name="inventory_movement_sign_matches_kind",
            ),
        ]
        triggers = [
            *append_only("ledger_append_only"),
            OnHandApply(
                name="apply_to_stock",
                operation=pgtrigger.Insert,
                referencing=pgtrigger.Referencing(new="new_rows"),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.quantity:+d} of {self.stock}"


class Reservation(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        COMMITTED = "committed", "Committed"
        RELEASED = "released", "Released"
        EXPIRED = "expired", "Expired"

    stock = models.ForeignKey(
        Stock, on_delete=models.PROTECT, related_name="reservations"
    )
    # Always the stock row's variant: a composite foreign key (stock_id, variant_id) to the
    # stock row says so, checked at commit (migration 0009; Django cannot declare one).
    variant_id = models.BigIntegerField(
        help_text="Denormalised from the stock row for the per-customer cap."
    )
    quantity = models.PositiveIntegerField()
    owner_type = models.CharField(max_length=30)  # e.g. order_line, cart
    owner_id = models.CharField(max_length=40)
    customer_id = models.BigIntegerField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The default order (the admin's list): newest first.
            models.Index(
                fields=["-created_at", "-id"], name="inventory_reservation_newest"
            ),
            # The admin's search by owner, whatever the owner's kind.
            models.Index(fields=["owner_id"], name="inventory_reservation_owner_id"),
            models.Index(
                fields=["expires_at", "id"],
                condition=Q(status="active"),
                name="inventory_reservation_due",
            ),
            models.Index(
                fields=["owner_type", "owner_id"], name="inventory_reservation_owner"
            ),
            models.Index(
                fields=["customer_id", "variant_id"],
                condition=Q(status="active"),
                name="inventory_reservation_cust",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="inventory_reservation_quantity_gt_0"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["active", "committed", "released", "expired"]),
                name="inventory_reservation_status_valid",
            ),
        ]
        triggers = [
            *audited(),
            pgtrigger.FSM(
                name="reservation_status_fsm",
                field="status",
                transitions=[
                    ("active", "committed"),
                    ("active", "released"),
                    ("active", "expired"),
                ],
            ),
            *never_deleted("reservation_no_delete"),
            # What a reservation holds is fixed when it is written: reserved is derived from it.
            immutable("claim_immutable", "stock", "variant_id", "quantity"),
            ReservedSync(
                name="apply_reserved_on_insert",
                operation=pgtrigger.Insert,
                referencing=pgtrigger.Referencing(new="new_rows"),
            ),
            ReservedSync(
                name="apply_reserved_on_update",
                operation=pgtrigger.Update,
                referencing=pgtrigger.Referencing(old="old_rows", new="new_rows"),
            ),
        ]

    def __str__(self):
        owner = self.owner_type.replace("_", " ")
        article = "an" if owner[:1] in "aeiou" else "a"
        status = self.get_status_display().lower()
        return f"{self.quantity} × {self.stock} held for {article} {owner} ({status})"


class LowStockAlert(models.Model):
    stock = models.ForeignKey(Stock, on_delete=models.CASCADE, related_name="alerts")
    raised_at = models.DateTimeField(default=timezone.now)
    available_at_raise = models.IntegerField()
    reorder_point = models.PositiveIntegerField()
    cleared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["stock"],
                condition=Q(cleared_at__isnull=True),
                name="inventory_alert_one_open",
            ),
        ]
        # The back office's list, newest first: all alerts, or the open ones.
        indexes = [
            models.Index(fields=["-raised_at", "-id"], name="inventory_alert_newest"),
            models.Index(
                fields=["-raised_at", "-id"],
                condition=Q(cleared_at__isnull=True),
                name="inventory_alert_open_newest",
            ),
        ]

    def __str__(self):
        return f"Low stock of {self.stock} since {self.raised_at:%Y-%m-%d}"


class Supplier(models.Model):
    name = models.CharField(max_length=120, unique=True)
    contact_name = models.CharField(max_length=120, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=32, blank=True, validators=[validate_phone])
    lead_time_days = models.PositiveSmallIntegerField(default=7)

    class Meta:
        ordering = ["name"]
        constraints = [phone_valid("inventory_supplier")]
        triggers = [*audited()]

    def __str__(self):
        return self.name


class PurchaseOrder(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ORDERED = "ordered", "Ordered"
        RECEIVED = "received", "Received"
        CANCELLED = "cancelled", "Cancelled"

    supplier = models.ForeignKey(
        Supplier, on_delete=models.PROTECT, related_name="purchase_orders"
    )
    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="purchase_orders"
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    expected_date = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    received_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        triggers = [
            *audited(),
            pgtrigger.FSM(
                name="purchase_order_fsm",
                field="status",
                transitions=[
                    ("draft", "ordered"),
                    ("draft", "cancelled"),
                    ("ordered", "received"),
                    ("ordered", "cancelled"),
                ],
            ),
        ]

    def __str__(self):
        return f"Purchase order PO-{self.pk}"


class PurchaseOrderLine(models.Model):
    purchase_order = models.ForeignKey(
        PurchaseOrder, on_delete=models.CASCADE, related_name="lines"
    )
    variant = models.ForeignKey(
        ProductVariant, on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.PositiveIntegerField()
    unit_cost = models.DecimalField(max_digits=12, decimal_places=2, default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="inventory_poline_quantity_gt_0"
            ),
            models.CheckConstraint(
                condition=Q(unit_cost__gte=0), name="inventory_poline_cost_gte_0"
            ),
        ]
        triggers = [*audited()]

    def __str__(self):
        return f"{self.quantity} × {self.variant.sku}"
