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
import time
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string
from redis.exceptions import LockError, RedisError

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


@dataclass(frozen=True)
class CardFacts:
    """A card the gateway saved for reuse: its reusable token and what may be shown."""

    token: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int


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

    def tokenize(self, *, token: str) -> CardFacts | None:
        """Save the card behind a one-time token for reuse: its reusable token, brand,
        last four digits and expiry as the gateway knows them; None when the gateway
        refuses the token."""


def gateway_get() -> Gateway:
    """The configured gateway (setting PAYMENTS_GATEWAY, read at call time)."""
    return import_string(settings.PAYMENTS_GATEWAY)()


MANUAL = "manual"


def gateway_for(name: str) -> Gateway:
    """The gateway a payment was made with: the configured one, or the manual book."""
    return ManualGateway() if name == MANUAL else gateway_get()


class ManualGateway:
    """Money that moved outside the shop (a bank transfer, cash) and staff recorded.

    Every call succeeds at once: it records what staff say happened. References are derived
    from the idempotency key, so asking again about a key answers the same.
    """

    name = MANUAL

    @staticmethod
    def _done(prefix: str, key: str, amount: Decimal) -> GatewayResult:
        reference = f"{prefix}_{_digest(key)}"
        return GatewayResult(
            SUCCEEDED,
            reference=reference,
            response={"id": reference, "amount": str(amount), "recorded_by": "staff"},
        )

    def authorize(self, *, token, amount, currency, idempotency_key):
        return self._done("man", idempotency_key, amount)

    def capture(self, *, reference, amount, currency, idempotency_key):
        return self._done("mancap", idempotency_key, amount)

    def void(self, *, reference, amount, idempotency_key):
        return self._done("manvoid", idempotency_key, amount)

    def refund(self, *, reference, amount, currency, idempotency_key):
        return self._done("manref", idempotency_key, amount)

    def fetch_status(self, *, idempotency_key):
        return None  # nothing is ever in flight: each call answers at once


# Test card tokens of the dummy gateway: the token picks the outcome of the authorization.
TOKEN_APPROVE = "tok_approve"  # noqa: S105 - the dummy gateway's public test card tokens
TOKEN_DECLINE = "tok_decline"  # noqa: S105 - the dummy gateway's public test card tokens
TOKEN_INSUFFICIENT_FUNDS = "tok_insufficient_funds"  # noqa: S105 - the dummy gateway's public test card tokens
TOKEN_NETWORK_ERROR = "tok_network_error"  # the charge goes through, the answer is lost  # noqa: S105 - the dummy gateway's public test card tokens
TOKEN_TIMEOUT = "tok_timeout"  # the call never arrives  # noqa: S105 - the dummy gateway's public test card tokens
TOKEN_SLOW = "tok_slow"  # approves after PAYMENTS_DUMMY_SLOW_SECONDS  # noqa: S105 - the dummy gateway's public test card tokens

# What the dummy gateway says of each test card when it is saved: (brand, last four digits).
TEST_CARDS = {
    TOKEN_APPROVE: ("Visa", "4242"),
    TOKEN_DECLINE: ("Visa", "0002"),
    TOKEN_INSUFFICIENT_FUNDS: ("Mastercard", "9995"),
    TOKEN_NETWORK_ERROR: ("Visa", "0119"),
    TOKEN_TIMEOUT: ("Amex", "0005"),
    TOKEN_SLOW: ("Visa", "3220"),
}
SAVED_PREFIX = "pm_"  # a saved card's reusable token

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


def _digest(key: str) -> str:
    # Base32: letters among the digits, so a reference never looks like a card number.
    digest = base64.b32encode(hashlib.sha256(key.encode()).digest()).decode()
    return digest[:16].lower()


STATE_TTL = 30 * 24 * 3600  # seconds the dummy gateway remembers a charge or an answer


def _state_key(name: str) -> str:
    prefix = settings.CACHES["default"].get("KEY_PREFIX", "shop")
    return f"{prefix}:dummy-gateway:{name}"


class DummyGateway:
    """A gateway deterministic by test card token, idempotent by key.

    Its state (charges, and the answer given under each key) lives in Redis, the way a real
    gateway keeps its own: the web process, the Celery workers and the commands all see the
    same charges, and a call is atomic under a Redis lock. `fail_next(kind, mode)` makes the
    next call of a kind in this process fail in a mode ("network_error": done, answer lost;
    "timeout": not done), for tests. Redis down: the gateway is unreachable.
    """

    name = "dummy"
    _scripted: dict[str, str] = {}
    calls: list[tuple[str, str]] = []  # (kind, idempotency key) made by this process

    @staticmethod
    def _redis():
        from django_redis import get_redis_connection

        return get_redis_connection("default")

    @classmethod
    def reset(cls) -> None:
        try:
            cls._redis().delete(
                _state_key("results"), _state_key("charges"), _state_key("methods")
            )
        except RedisError:
            pass  # nothing to forget when Redis is gone
        cls._scripted.clear()
        cls.calls.clear()

    @classmethod
    def fail_next(cls, kind: str, mode: str) -> None:
        cls._scripted[kind] = mode

    # -- state: JSON in two Redis hashes ------------------------------------------------

    @staticmethod
    def _load_result(raw: bytes) -> GatewayResult:
        return GatewayResult(**json.loads(raw))

    def _get_charge(self, redis, reference: str) -> _Charge | None:
        raw = redis.hget(_state_key("charges"), reference)
        if raw is None:
            return None
        return _Charge(**{k: Decimal(v) for k, v in json.loads(raw).items()})

    def _put_charge(self, redis, reference: str, charge: _Charge) -> None:
        data = {k: str(v) for k, v in charge.__dict__.items()}
        redis.hset(_state_key("charges"), reference, json.dumps(data))
        redis.expire(_state_key("charges"), STATE_TTL)

    def _call(self, kind: str, key: str, mode: str, work) -> GatewayResult:
        if mode == TOKEN_SLOW:
            time.sleep(settings.PAYMENTS_DUMMY_SLOW_SECONDS)
        self.calls.append((kind, key))
        mode = self._scripted.pop(kind, mode)
        try:
            redis = self._redis()
            with redis.lock(_state_key("lock"), timeout=10, blocking_timeout=10):
                known = redis.hget(_state_key("results"), key)
                if known is not None:
                    return self._load_result(known)
                if mode in ("timeout", TOKEN_TIMEOUT):
                    raise GatewayUnreachable(f"{kind}: no answer (timeout)")
                result = work(redis)
                redis.hset(
                    _state_key("results"),
                    key,
                    json.dumps(result.__dict__, default=str),
                )
                redis.expire(_state_key("results"), STATE_TTL)
        except (RedisError, LockError) as exc:
            raise GatewayUnreachable(f"{kind}: the gateway does not answer") from exc
        if mode in ("network_error", TOKEN_NETWORK_ERROR):
            raise GatewayUnreachable(f"{kind}: connection reset after the request")
        return result

    @staticmethod
    def _reference(prefix: str, key: str) -> str:
        return f"{prefix}_{_digest(key)}"

    @staticmethod
    def _failed(code: str, message: str) -> GatewayResult:
        return GatewayResult(
            FAILED, code=code, message=message, response={"code": code}
        )

    def _card(self, token: str) -> str:
        """The test card behind a saved card's token (the token itself when not saved)."""
        if not token.startswith(SAVED_PREFIX):
            return token
        try:
            raw = self._redis().hget(_state_key("methods"), token)
        except RedisError as exc:
            raise GatewayUnreachable("authorize: the gateway does not answer") from exc
        return "" if raw is None else raw.decode()

    def tokenize(self, *, token):
        if token not in TEST_CARDS:
            return None
        brand, last4 = TEST_CARDS[token]
        saved = f"{SAVED_PREFIX}{_digest(uuid.uuid4().hex)}"
        try:
            self._redis().hset(_state_key("methods"), saved, token)
        except RedisError as exc:
            raise GatewayUnreachable("tokenize: the gateway does not answer") from exc
        today = timezone.localdate()
        return CardFacts(
            token=saved,
            brand=brand,
            last4=last4,
            exp_month=today.month,
            exp_year=today.year + 3,
        )

    def authorize(self, *, token, amount, currency, idempotency_key):
        token = self._card(token)

        def work(redis):
            if not token:
                return self._failed("card_invalid", "This saved card is not known.")
            if token in DECLINES:
                return self._failed(*DECLINES[token])
            reference = self._reference("auth", idempotency_key)
            self._put_charge(redis, reference, _Charge(amount=amount))
            return GatewayResult(
                SUCCEEDED,
                reference=reference,
                response={"id": reference, "amount": str(amount), "currency": currency},
            )

        return self._call("authorize", idempotency_key, token, work)

    def capture(self, *, reference, amount, currency, idempotency_key):
        def work(redis):
            charge = self._get_charge(redis, reference)
            if charge is None or charge.voided:
                return self._failed("not_capturable", "The authorization is gone.")
            if amount > charge.amount - charge.captured:
                return self._failed("amount_too_large", "More than was authorized.")
            charge.captured += amount
            self._put_charge(redis, reference, charge)
            return GatewayResult(
                SUCCEEDED,
                reference=self._reference("cap", idempotency_key),
                response={"authorization": reference, "amount": str(amount)},
            )

        return self._call("capture", idempotency_key, "", work)

    def void(self, *, reference, amount, idempotency_key):
        def work(redis):
            charge = self._get_charge(redis, reference)
            if charge is None or charge.voided:
                return self._failed("not_voidable", "Nothing left to void.")
            charge.voided = charge.amount - charge.captured
            self._put_charge(redis, reference, charge)
            return GatewayResult(
                SUCCEEDED,
                reference=self._reference("void", idempotency_key),
                response={"authorization": reference, "amount": str(charge.voided)},
            )

        return self._call("void", idempotency_key, "", work)

    def refund(self, *, reference, amount, currency, idempotency_key):
        def work(redis):
            charge = self._get_charge(redis, reference)
            if charge is None or amount > charge.captured - charge.refunded:
                return self._failed("amount_too_large", "More than was captured.")
            charge.refunded += amount
            self._put_charge(redis, reference, charge)
            return GatewayResult(
                SUCCEEDED,
                reference=self._reference("ref", idempotency_key),
                response={"authorization": reference, "amount": str(amount)},
            )

        return self._call("refund", idempotency_key, "", work)

    def fetch_status(self, *, idempotency_key):
        try:
            raw = self._redis().hget(_state_key("results"), idempotency_key)
        except RedisError as exc:
            raise GatewayUnreachable("status: the gateway does not answer") from exc
        return None if raw is None else self._load_result(raw)

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

        try:
            raw = cls._redis().hget(
                _state_key("results"), data.get("idempotency_key", "")
            )
        except RedisError:
            raw = None
        known = None if raw is None else cls._load_result(raw)
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
