"""The gateway interface, and a deterministic dummy gateway for development and tests.

A gateway takes five calls, each under an idempotency key: the same key sent again returns
the first call's result and moves no money twice. A call answers a `GatewayResult`
(succeeded, or failed with a decline code), or raises `GatewayUnreachable` when the outcome is
unknown (network error, timeout): the caller then asks `fetch_status(idempotency_key)`.

To plug a real gateway in, write a class with these methods that translates to its API
(send our idempotency key as its own idempotency header), and name it in the setting
`PAYMENTS_GATEWAY` (a dotted path). Nothing of a card but its token ever reaches the shop.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

SUCCEEDED, FAILED = "succeeded", "failed"


@dataclass(frozen=True)
class GatewayResult:
    status: str  # SUCCEEDED or FAILED
    reference: str = ""  # the gateway's id of the charge / refund
    code: str = ""  # decline code when failed
    message: str = ""  # the gateway's words for the customer
    response: dict = field(default_factory=dict)  # what may be stored: no secrets

    @property
    def ok(self) -> bool:
        return self.status == SUCCEEDED


class GatewayUnreachable(Exception):
    """The call's outcome is unknown (network error, timeout): ask fetch_status later."""


class Gateway(Protocol):
    name: str

    def authorize(
        self, *, token: str, amount: Decimal, currency: str, idempotency_key: str
    ) -> GatewayResult: ...

    def capture(
        self, *, reference: str, amount: Decimal, currency: str, idempotency_key: str
    ) -> GatewayResult: ...

    def void(
        self, *, reference: str, amount: Decimal, idempotency_key: str
    ) -> GatewayResult: ...

    def refund(
        self, *, reference: str, amount: Decimal, currency: str, idempotency_key: str
    ) -> GatewayResult: ...

    def fetch_status(self, *, idempotency_key: str) -> GatewayResult | None:
        """The result of the call made under this key; None when it never arrived."""


def gateway_get() -> Gateway:
    """The configured gateway (setting PAYMENTS_GATEWAY, read at call time)."""
    return import_string(settings.PAYMENTS_GATEWAY)()


# Test card tokens of the dummy gateway: the token picks the outcome of the authorization.
TOKEN_APPROVE = "tok_approve"
TOKEN_DECLINE = "tok_decline"
TOKEN_INSUFFICIENT_FUNDS = "tok_insufficient_funds"
TOKEN_NETWORK_ERROR = "tok_network_error"  # the charge goes through, the answer is lost
TOKEN_TIMEOUT = "tok_timeout"  # the call never arrives
TOKEN_SLOW = "tok_slow"  # approves after PAYMENTS_DUMMY_SLOW_SECONDS

DECLINES = {
    TOKEN_DECLINE: ("card_declined", "Your card was declined."),
    TOKEN_INSUFFICIENT_FUNDS: (
        "insufficient_funds",
        "Your card has insufficient funds.",
    ),
}


@dataclass
class _Charge:
    amount: Decimal
    captured: Decimal = Decimal("0")
    voided: Decimal = Decimal("0")
    refunded: Decimal = Decimal("0")


class DummyGateway:
    """A gateway in memory, deterministic by test card token, idempotent by key.

    Its state is the process's (class attributes, under a lock): enough for development and
    tests in one process. `fail_next(kind, mode)` makes the next call of a kind fail in a
    mode ("network_error": done, answer lost; "timeout": not done), for tests.
    """

    name = "dummy"
    _lock = threading.Lock()
    _results: dict[str, GatewayResult] = {}
    _charges: dict[str, _Charge] = {}
    _scripted: dict[str, str] = {}
    calls: list[tuple[str, str]] = []  # (kind, idempotency key), for tests

    @classmethod
    def reset(cls) -> None:
        with cls._lock:
            cls._results.clear()
            cls._charges.clear()
            cls._scripted.clear()
            cls.calls.clear()

    @classmethod
    def fail_next(cls, kind: str, mode: str) -> None:
        with cls._lock:
            cls._scripted[kind] = mode

    def _call(self, kind: str, key: str, mode: str, work) -> GatewayResult:
        if mode == TOKEN_SLOW:
            time.sleep(settings.PAYMENTS_DUMMY_SLOW_SECONDS)
        with self._lock:
            self.calls.append((kind, key))
            mode = self._scripted.pop(kind, mode)
            if key in self._results:
                return self._results[key]
            if mode in ("timeout", TOKEN_TIMEOUT):
                raise GatewayUnreachable(f"{kind}: no answer (timeout)")
            result = work()
            self._results[key] = result
            if mode in ("network_error", TOKEN_NETWORK_ERROR):
                raise GatewayUnreachable(f"{kind}: connection reset after the request")
            return result

    @staticmethod
    def _reference(prefix: str, key: str) -> str:
        # Base32: letters among the digits, so a reference never looks like a card number.
        digest = base64.b32encode(hashlib.sha256(key.encode()).digest()).decode()
        return f"{prefix}_{digest[:16].lower()}"

    @staticmethod
    def _failed(code: str, message: str) -> GatewayResult:
        return GatewayResult(
            FAILED, code=code, message=message, response={"code": code}
        )

    def authorize(self, *, token, amount, currency, idempotency_key):
        def work():
            if token in DECLINES:
                return self._failed(*DECLINES[token])
            reference = self._reference("auth", idempotency_key)
            self._charges[reference] = _Charge(amount=amount)
            return GatewayResult(
                SUCCEEDED,
                reference=reference,
                response={"id": reference, "amount": str(amount), "currency": currency},
            )

        return self._call("authorize", idempotency_key, token, work)

    def _charge(self, reference: str) -> _Charge | None:
        return self._charges.get(reference)

    def capture(self, *, reference, amount, currency, idempotency_key):
        def work():
            charge = self._charge(reference)
            if charge is None or charge.voided:
                return self._failed("not_capturable", "The authorization is gone.")
            if amount > charge.amount - charge.captured:
                return self._failed("amount_too_large", "More than was authorized.")
            charge.captured += amount
            return GatewayResult(
                SUCCEEDED,
                reference=self._reference("cap", idempotency_key),
                response={"authorization": reference, "amount": str(amount)},
            )

        return self._call("capture", idempotency_key, "", work)

    def void(self, *, reference, amount, idempotency_key):
        def work():
            charge = self._charge(reference)
            if charge is None or charge.voided:
                return self._failed("not_voidable", "Nothing left to void.")
            charge.voided = charge.amount - charge.captured
            return GatewayResult(
                SUCCEEDED,
                reference=self._reference("void", idempotency_key),
                response={"authorization": reference, "amount": str(charge.voided)},
            )

        return self._call("void", idempotency_key, "", work)

    def refund(self, *, reference, amount, currency, idempotency_key):
        def work():
            charge = self._charge(reference)
            if charge is None or amount > charge.captured - charge.refunded:
                return self._failed("amount_too_large", "More than was captured.")
            charge.refunded += amount
            return GatewayResult(
                SUCCEEDED,
                reference=self._reference("ref", idempotency_key),
                response={"authorization": reference, "amount": str(amount)},
            )

        return self._call("refund", idempotency_key, "", work)

    def fetch_status(self, *, idempotency_key):
        with self._lock:
            return self._results.get(idempotency_key)

    @classmethod
    def notification(
        cls,
        type: str,
        *,
        event_id: str | None = None,
        timestamp: int | None = None,
        **data,
    ) -> tuple[bytes, dict[str, str]]:
        """A signed notification as the gateway would POST it: (body, headers).

        A charge's notification (`idempotency_key=`) is completed from the gateway's memory
        of that call: its reference, amount and decline code unless given.
        """
        from .notifications import notification_sign

        with cls._lock:
            known = cls._results.get(data.get("idempotency_key", ""))
        if known is not None and type.startswith("charge."):
            facts = {"reference": known.reference, **known.response}
            if not known.ok:
                facts.update(code=known.code, message=known.message)
            facts.pop("id", None)
            facts.pop("authorization", None)
            data = {**facts, **data}
        moment = int(time.time()) if timestamp is None else timestamp
        body = json.dumps(
            {
                "id": event_id or f"evt_{uuid.uuid4().hex}",
                "type": type,
                "created": moment,
                "data": data,
            },
            separators=(",", ":"),
        ).encode()
        headers = notification_sign(body, timestamp=moment)
        return body, {"Content-Type": "application/json", **headers}
