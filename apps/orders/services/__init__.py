"""Every write of orders: placing (`placing.py`) and what follows (`lifecycle.py`).

Each service takes the acting person as `actor` (a User, or None for the system).
"""

from .lifecycle import (
    allowed_transitions,
    fulfilment_create,
    idempotency_keys_purge,
    order_cancel,
    order_deliver,
    order_mark_paid,
    order_note_add,
    order_pay_by_hand,
    order_return,
    order_shipped_quantities,
    orders_expire,
)
from .placing import (
    CheckoutRequest,
    address_snapshot,
    checkout_totals,
    order_payload,
    order_place,
    rules_check,
)
from .reporting import sales_rollup
from .setup import (
    shipping_method_delete,
    shipping_method_save,
    webhook_endpoint_delete,
    webhook_endpoint_save,
)

__all__ = [
    "CheckoutRequest",
    "address_snapshot",
    "allowed_transitions",
    "checkout_totals",
    "fulfilment_create",
    "idempotency_keys_purge",
    "order_cancel",
    "order_deliver",
    "order_mark_paid",
    "order_pay_by_hand",
    "order_note_add",
    "order_payload",
    "order_place",
    "order_return",
    "order_shipped_quantities",
    "orders_expire",
    "rules_check",
    "sales_rollup",
    "shipping_method_delete",
    "shipping_method_save",
    "webhook_endpoint_delete",
    "webhook_endpoint_save",
]
