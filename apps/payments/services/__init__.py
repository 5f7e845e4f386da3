"""Every write of payments: the gateway flows (`flows.py`, over `attempts.py`), disputes,
the gateway's notifications and saved methods; all of them importable from here."""

from .attempts import Settlement, attempt_execute, attempt_record, attempt_settle
from .disputes import dispute_close, dispute_evidence_set, dispute_open
from .flows import (
    attempt_conclude,
    authorizations_release,
    payment_authorize,
    payment_capture,
    payment_expire,
    payment_reconcile,
    payment_record_manual,
    payment_refund,
    payment_void,
    payments_reconcile,
    refund_record,
)
from .methods import (
    payment_method_add,
    payment_method_deactivate,
    payment_method_save,
)
from .notifications import notification_receive

__all__ = [
    "Settlement",
    "attempt_execute",
    "attempt_record",
    "attempt_conclude",
    "attempt_settle",
    "authorizations_release",
    "dispute_close",
    "dispute_evidence_set",
    "dispute_open",
    "notification_receive",
    "payment_authorize",
    "payment_capture",
    "payment_expire",
    "payment_method_add",
    "payment_method_deactivate",
    "payment_method_save",
    "payment_reconcile",
    "payment_record_manual",
    "payment_refund",
    "payment_void",
    "payments_reconcile",
    "refund_record",
]
