"""Every write of the inventory: stock and reservations (`stock.py`), warehouses, suppliers
and purchase orders (`purchasing.py`); all of them importable from here.

Each service takes the acting person as `actor` (a User, or None for the system).
"""

from .purchasing import (
    purchase_order_cancel,
    purchase_order_line_delete,
    purchase_order_line_save,
    purchase_order_mark_ordered,
    purchase_order_receive,
    purchase_order_save,
    supplier_delete,
    supplier_save,
    warehouse_delete,
    warehouse_save,
)
from .stock import (
    RESERVE_ATTEMPTS,
    Line,
    availability_sync,
    reservation_commit,
    reservation_commit_units,
    reservation_release,
    reservations_expire,
    reservations_hold_until,
    reservations_of,
    stock_adjust,
    stock_for,
    stock_receive,
    stock_reorder_set,
    stock_reserve,
    stock_transfer,
)

__all__ = [
    "RESERVE_ATTEMPTS",
    "Line",
    "availability_sync",
    "purchase_order_cancel",
    "purchase_order_line_delete",
    "purchase_order_line_save",
    "purchase_order_mark_ordered",
    "purchase_order_receive",
    "purchase_order_save",
    "reservation_commit",
    "reservation_commit_units",
    "reservation_release",
    "reservations_expire",
    "reservations_hold_until",
    "reservations_of",
    "stock_adjust",
    "stock_for",
    "stock_receive",
    "stock_reorder_set",
    "stock_reserve",
    "stock_transfer",
    "supplier_delete",
    "supplier_save",
    "warehouse_delete",
    "warehouse_save",
]
