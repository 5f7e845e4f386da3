"""Warehouses, suppliers and purchase orders: draft → ordered → received (or cancelled)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from ..errors import PurchaseOrderStatusInvalid
from ..locks import stock_lock
from ..models import (
    PurchaseOrder,
    PurchaseOrderLine,
    Stock,
    StockMovement,
    Supplier,
    Warehouse,
)
from .stock import _move, availability_sync, stock_for

if TYPE_CHECKING:
    from apps.accounts.models import User

Status = PurchaseOrder.Status


@transaction.atomic
def warehouse_save(*, warehouse: Warehouse, actor: User | None = None) -> Warehouse:
    """Create or change a warehouse; (de)activating it changes what is in stock."""
    was_active = (
        Warehouse.objects.filter(pk=warehouse.pk)
        .values_list("is_active", flat=True)
        .first()
    )
    warehouse.save()
    if was_active is not None and was_active != warehouse.is_active:
        availability_sync(
            list(Stock.objects.filter(warehouse=warehouse).values_list("pk", flat=True))
        )
    return warehouse


@transaction.atomic
def warehouse_delete(*, warehouse: Warehouse, actor: User | None = None) -> None:
    """Delete a warehouse that never held stock nor took a purchase order."""
    warehouse.delete()


@transaction.atomic
def supplier_save(*, supplier: Supplier, actor: User | None = None) -> Supplier:
    """Create or change a supplier."""
    supplier.save()
    return supplier


@transaction.atomic
def supplier_delete(*, supplier: Supplier, actor: User | None = None) -> None:
    """Delete a supplier no purchase order refers to."""
    supplier.delete()


def _locked(purchase_order: PurchaseOrder, *allowed: str, doing: str) -> PurchaseOrder:
    po = PurchaseOrder.objects.select_for_update().get(pk=purchase_order.pk)
    if po.status not in allowed:
        raise PurchaseOrderStatusInvalid(
            f"This purchase order is {po.get_status_display().lower()}:"
            f" it cannot be {doing}."
        )
    return po


@transaction.atomic
def purchase_order_save(
    *, purchase_order: PurchaseOrder, actor: User | None = None
) -> PurchaseOrder:
    """Create a draft purchase order, or change one that is not received or cancelled.

    The status is not changed here: it moves only through the services below.
    """
    if purchase_order.pk is None:
        purchase_order.status = Status.DRAFT
        purchase_order.save()
        return purchase_order
    po = _locked(purchase_order, Status.DRAFT, Status.ORDERED, doing="changed")
    fields = ["supplier", "warehouse", "expected_date", "note"]
    if po.status != Status.DRAFT:
        fields = [
            "expected_date",
            "note",
        ]  # what was ordered from whom, for where, stays
    for name in fields:
        setattr(po, name, getattr(purchase_order, name))
    po.save(update_fields=fields)
    return po


@transaction.atomic
def purchase_order_line_save(
    *, line: PurchaseOrderLine, actor: User | None = None
) -> PurchaseOrderLine:
    """Add or change a line of a draft purchase order."""
    _locked(line.purchase_order, Status.DRAFT, doing="changed")
    line.save()
    return line


@transaction.atomic
def purchase_order_line_delete(
    *, line: PurchaseOrderLine, actor: User | None = None
) -> None:
    """Remove a line of a draft purchase order."""
    _locked(line.purchase_order, Status.DRAFT, doing="changed")
    line.delete()


@transaction.atomic
def purchase_order_mark_ordered(
    *, purchase_order: PurchaseOrder, actor: User | None = None
) -> PurchaseOrder:
    """Draft → ordered: the order went to the supplier (it needs at least one line)."""
    po = _locked(purchase_order, Status.DRAFT, doing="ordered")
    if not po.lines.exists():
        raise PurchaseOrderStatusInvalid(
            "A purchase order needs at least one line to be ordered."
        )
    po.status = Status.ORDERED
    po.save(update_fields=["status"])
    return po


@transaction.atomic
def purchase_order_cancel(
    *, purchase_order: PurchaseOrder, actor: User | None = None
) -> PurchaseOrder:
    """Draft or ordered → cancelled; nothing reaches stock."""
    po = _locked(purchase_order, Status.DRAFT, Status.ORDERED, doing="cancelled")
    po.status = Status.CANCELLED
    po.save(update_fields=["status"])
    return po


@transaction.atomic
def purchase_order_receive(
    *, purchase_order: PurchaseOrder, actor: User | None = None
) -> list[StockMovement]:
    """Receive an ordered PO: one receipt per line into its warehouse."""
    po = _locked(purchase_order, Status.ORDERED, doing="received")
    stocks = {}
    for line in po.lines.all():
        stocks[line.pk] = stock_for(variant_id=line.variant_id, warehouse=po.warehouse)
    stock_lock([s.pk for s in stocks.values()])
    movements = [
        _move(
            stocks[line.pk].pk,
            StockMovement.Kind.RECEIPT,
            line.quantity,
            reference_type="purchase_order",
            reference_id=str(po.pk),
            actor=actor,
        )
        for line in po.lines.all().order_by("pk")
    ]
    po.status, po.received_at = Status.RECEIVED, timezone.now()
    po.save(update_fields=["status", "received_at"])
    availability_sync([s.pk for s in stocks.values()])
    return movements
