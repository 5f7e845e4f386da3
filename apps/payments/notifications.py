"""The gateway's notifications: how they are signed, and what a readable one holds.

The scheme is the one the shop uses for its own webhooks (`apps.orders.outbox.signature`):
`X-Gateway-Signature: v1=<hex HMAC-SHA256 of "<timestamp>.<raw body>">` with
PAYMENTS_NOTIFICATION_SECRET, and `X-Gateway-Timestamp` within
PAYMENTS_NOTIFICATION_TOLERANCE seconds of our clock. The body is JSON:

    {"id": "evt_…", "type": "charge.succeeded", "created": 1767225600, "data": {…}}

`notice_parse` refuses what cannot be stored or applied as it stands (bad JSON, a missing or
malformed field of a known type, NUL characters, numbers out of range, a card-number-like
value) with `NotificationInvalid`, before anything is written.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import time
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils.dateparse import parse_datetime

from apps.orders.outbox import signature, signature_verify

from .errors import NotificationInvalid, formatted
from .models import CARD_NUMBER_LIKE

SIGNATURE_HEADER = "X-Gateway-Signature"
TIMESTAMP_HEADER = "X-Gateway-Timestamp"
MAX_BODY = 64 * 1024  # bytes; a gateway's event is a few hundred
MAX_INT = 2**53  # JSON's safe integers
MAX_DEPTH = 10
AMOUNT = re.compile(
    r"\d{1,10}(\.\d{1,2})?"
)  # the ledger's MONEY: 12 digits, 2 decimals
CURRENCY = re.compile(r"[A-Z]{3}")
CARD_NUMBER = re.compile(CARD_NUMBER_LIKE)


def notification_sign(body: bytes, *, timestamp: int | None = None) -> dict[str, str]:
    """The headers a gateway sends with `body` (signed now, or at `timestamp`)."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    secret = settings.PAYMENTS_NOTIFICATION_SECRET
    return {
        SIGNATURE_HEADER: signature(secret, timestamp, body),
        TIMESTAMP_HEADER: str(timestamp),
    }


def notification_verify(body: bytes, headers) -> bool:
    """The body is the gateway's (our secret signed it) and was signed recently."""
    return signature_verify(
        secret=settings.PAYMENTS_NOTIFICATION_SECRET,
        header=headers.get(SIGNATURE_HEADER, ""),
        timestamp=headers.get(TIMESTAMP_HEADER, ""),
        body=body,
        tolerance=settings.PAYMENTS_NOTIFICATION_TOLERANCE,
    )


@dataclass(frozen=True)
class Notice:
    event_id: str
    type: str
    payload: dict  # the whole body, as stored

    @property
    def data(self) -> dict:
        return self.payload["data"]


def _invalid(reason: str) -> NotificationInvalid:
    return formatted(NotificationInvalid, reason=reason)


def _check(value, depth: int = 0) -> None:
    """Every value can be stored as jsonb and kept: no NUL, no lone surrogate, no
    non-finite or huge number, no card number, not nested without end."""
    if depth > MAX_DEPTH:
        raise _invalid("it is nested too deeply")
    if isinstance(value, dict):
        for key, item in value.items():
            _check(key, depth + 1)
            _check(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check(item, depth + 1)
    elif isinstance(value, str):
        if "\x00" in value:
            raise _invalid("it holds a NUL character")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise _invalid("it holds text that is not Unicode")
        if CARD_NUMBER.search(value):
            raise _invalid("it holds a value shaped like a card number")
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int):
        if abs(value) > MAX_INT:
            raise _invalid("a number is out of range")
        if CARD_NUMBER.search(str(value)):
            raise _invalid("it holds a value shaped like a card number")
    elif isinstance(value, float) and not math.isfinite(value):
        raise _invalid("a number is out of range")


def _refuse_constant(name: str):
    raise _invalid(f"{name} is not JSON")


def _text(data: dict, name: str, *, limit: int, required: bool = True) -> str:
    value = data.get(name, "")
    if not isinstance(value, str) or len(value) > limit or (required and not value):
        raise _invalid(f"{name} must be a text of 1 to {limit} characters")
    return value


def _amount(data: dict, name: str = "amount") -> Decimal:
    value = data.get(name)
    if not isinstance(value, str) or not AMOUNT.fullmatch(value):
        raise _invalid(f'{name} must be a decimal amount as text, such as "12.50"')
    return Decimal(value)


def _moment(data: dict, name: str) -> dt.datetime:
    value = _text(data, name, limit=40)
    try:
        moment = parse_datetime(value)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise _invalid(f"{name} must be an ISO 8601 date and time with its offset")
    return moment


def _charge(data: dict) -> None:
    _text(data, "idempotency_key", limit=100)
    _text(data, "reference", limit=100, required=False)
    if "amount" in data:
        _amount(data)
    if "currency" in data and not CURRENCY.fullmatch(str(data["currency"])):
        raise _invalid("currency must be three capital letters")
    _text(data, "code", limit=40, required=False)
    _text(data, "message", limit=200, required=False)


def _dispute(data: dict) -> None:
    _text(data, "dispute", limit=100)
    _text(data, "reference", limit=100)
    _amount(data)
    _moment(data, "respond_by")
    _text(data, "reason", limit=60, required=False)


def _dispute_closed(data: dict) -> None:
    _dispute(data)
    if data.get("status") not in ("won", "lost"):
        raise _invalid('status must be "won" or "lost"')


# The types the shop applies, with the fields each needs. Any other type is stored and
# answered, not applied.
SCHEMAS = {
    "charge.succeeded": _charge,
    "charge.failed": _charge,
    "charge.refunded": _charge,
    "charge.voided": _charge,
    "dispute.opened": _dispute,
    "dispute.closed": _dispute_closed,
}


def notice_parse(body: bytes) -> Notice:
    """Read a verified body; NotificationInvalid when it cannot be stored or applied."""
    if len(body) > MAX_BODY:
        raise _invalid("it is too large")
    try:
        payload = json.loads(body.decode("utf-8"), parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise _invalid("the body is not JSON")
    if not isinstance(payload, dict) or not isinstance(payload.get("data"), dict):
        raise _invalid("the body must be an object with an object under data")
    _check(payload)
    event_id = _text(payload, "id", limit=100)
    kind = _text(payload, "type", limit=60)
    schema = SCHEMAS.get(kind)
    if schema is not None:
        schema(payload["data"])
    return Notice(event_id=event_id, type=kind, payload=payload)
