"""Inventory business-rule errors with stable codes."""


class InventoryError(Exception):
    code = "inventory_error"
    default_message = "That did not work."

    def __init__(self, message: str | None = None, **details):
        self.message = message or self.default_message
        self.details = details
        super().__init__(self.message)


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
