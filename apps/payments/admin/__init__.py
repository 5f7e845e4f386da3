"""Finance in the back office: payments, disputes and saved cards, read-only; money moves
only through the buttons, each a service (capture, void, refund, dispute open and close).

The order page links here (its template resolves this admin's URL by name), so orders never
imports payments. The reconciliation page and the ledger's CSV export hang off the payments
list. The gateway's notifications are listed read-only, with an action that applies the
unprocessed ones.
"""

from .disputes import DisputeAdmin, PaymentMethodAdmin
from .notifications import GatewayNotificationAdmin
from .payments import PaymentAdmin

__all__ = [
    "DisputeAdmin",
    "GatewayNotificationAdmin",
    "PaymentAdmin",
    "PaymentMethodAdmin",
]
