"""Inventory business-rule errors with stable codes."""

from apps.auditing.errors import ShopError


class InventoryError(ShopError):
    code = "inventory_error"


class OutOfStock(InventoryError):
    code = "out_of_stock"
    default_message = "Not enough stock is available."


class ReservationLimit(InventoryError):
    code = "reservation_limit"
    default_message = (
        "You already hold the maximum number of reservations for this item."
    )


class ReservationNotActive(InventoryError):
    code = "reservation_not_active"
    default_message = "This reservation is no longer active."


class StockChangeInvalid(InventoryError):
    code = "stock_change_invalid"


class PurchaseOrderStatusInvalid(InventoryError):
    """The purchase order's status does not allow this (ordered, received, cancelled...)."""

    code = "purchase_order_status_invalid"
    default_message = "This purchase order cannot be changed in its current status."
