"""Order business-rule errors with stable codes, each with a message fit for the customer."""

from apps.auditing.errors import ShopError, formatted  # noqa: F401 (re-exported)


class OrderError(ShopError):
    code = "order_error"


class CartEmpty(OrderError):
    code = "cart_empty"
    default_message = "Your cart is empty."


class CartUnavailable(OrderError):
    """Redis, where carts live, does not answer: the rest of the shop still works."""

    code = "cart_unavailable"
    default_message = (
        "The cart is unavailable at the moment. Please try again in a few minutes;"
        " you can keep browsing meanwhile."
    )
    http_status = 503


class CartLineInvalid(OrderError):
    code = "cart_line_invalid"
    default_message = "This item cannot be added to the cart."


class OrderTotalTooLow(OrderError):
    code = "order_total_too_low"
    default_message = "The order total must be at least {minimum}."


class OrderTotalTooHigh(OrderError):
    code = "order_total_too_high"
    default_message = "The order total may be at most {maximum}."


class TooManyItems(OrderError):
    code = "order_too_many_items"
    default_message = "An order may hold at most {maximum} items."


class TooManyPendingOrders(OrderError):
    code = "order_too_many_pending"
    default_message = (
        "You already have {maximum} orders waiting for payment. Pay or cancel one of them"
        " before placing another."
    )


class LinesUnavailable(OrderError):
    """Some lines cannot be bought as they are; `items` names each (Saleor's InsufficientStock)."""

    code = "order_lines_unavailable"
    default_message = "Some items in your cart are no longer available as they were."

    def __init__(self, message=None, *, items=(), **details):
        super().__init__(message, items=list(items), **details)
        self.items = list(items)


class IdempotencyKeyReused(OrderError):
    code = "idempotency_key_reused"
    default_message = (
        "This checkout form was already used for a different cart. Please review your order"
        " again and place it from the new page."
    )
    http_status = 409


class ShippingMethodInvalid(OrderError):
    code = "shipping_method_invalid"
    default_message = "Please choose one of the delivery methods offered."


class GuestCheckoutDisabled(OrderError):
    code = "guest_checkout_disabled"
    default_message = "Please sign in to check out."
    http_status = 403


class TransitionNotAllowed(OrderError):
    code = "order_transition_not_allowed"
    default_message = "This order cannot go from {from_status} to {to_status}."
    http_status = 409


class FulfilmentInvalid(OrderError):
    code = "fulfilment_invalid"
    default_message = "This shipment does not match what is left to ship."


class ShippingMethodInUse(OrderError):
    code = "shipping_method_in_use"
    default_message = "Orders were placed with this delivery method: switch it off instead of deleting it."
