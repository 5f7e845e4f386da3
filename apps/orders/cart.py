"""The cart's storage: one Redis hash per cart (variant id → quantity), with a TTL.

A guest's cart is keyed by a token made from their session key and kept in the session (so it
survives the new session key that signing in makes); a signed-in customer's cart by their
user id. Every change is one Lua script, so two tabs changing the cart at once lose nothing,
and the caps (lines per cart, units per line) are checked inside it. A second hash,
`<key>:seen`, keeps the unit price the customer saw for each line (see `cart_services`).

Any connection error becomes `CartUnavailable`: only the cart pages answer 503, the rest of
the shop serves on.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal

import redis
from django.conf import settings
from django.core.cache import cache
from django_redis import get_redis_connection

from .errors import CartUnavailable

SESSION_FIELD = "cart"

# Script results: (status, quantity). A refusal leaves the cart as it was.
OK, TOO_MANY_LINES, TOO_MANY_UNITS, NOT_IN_CART = 0, -1, -2, -3

_ADD = """
local current = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
if current == 0 and redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then
  return {-1, current}
end
local new = current + tonumber(ARGV[2])
if new > tonumber(ARGV[4]) then return {-2, current} end
redis.call('HSET', KEYS[1], ARGV[1], new)
if ARGV[6] ~= '' then redis.call('HSET', KEYS[2], ARGV[1], ARGV[6]) end
redis.call('EXPIRE', KEYS[1], ARGV[5])
redis.call('EXPIRE', KEYS[2], ARGV[5])
return {0, new}
"""

_SET = """
local current = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
if current == 0 then return {-3, 0} end
if tonumber(ARGV[2]) > tonumber(ARGV[3]) then return {-2, current} end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
if ARGV[5] ~= '' then redis.call('HSET', KEYS[2], ARGV[1], ARGV[5]) end
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('EXPIRE', KEYS[2], ARGV[4])
return {0, tonumber(ARGV[2])}
"""

_REMOVE = """
local removed = redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[2])
return removed
"""

# KEYS: source, source seen, target, target seen. ARGV: max lines, ttl, default cap, then
# (variant, cap) pairs. Every line of the source is visited, even one added after the caps
# were computed (it gets the default cap), so nothing is lost when the source is deleted.
# A line never ends lower in the target than it was; a new line past the line cap is dropped.
_MERGE = """
local caps = {}
for i = 4, #ARGV, 2 do caps[ARGV[i]] = tonumber(ARGV[i + 1]) end
local source = redis.call('HGETALL', KEYS[1])
local merged, reduced = 0, 0
for i = 1, #source, 2 do
  local variant, add = source[i], tonumber(source[i + 1])
  local cap = caps[variant] or tonumber(ARGV[3])
  local have = tonumber(redis.call('HGET', KEYS[3], variant) or '0')
  local new = math.min(have + add, cap)
  if have == 0 and new > 0 and redis.call('HLEN', KEYS[3]) >= tonumber(ARGV[1]) then
    new = 0
  end
  if new > have then
    redis.call('HSET', KEYS[3], variant, new)
    local seen = redis.call('HGET', KEYS[2], variant)
    if seen then redis.call('HSETNX', KEYS[4], variant, seen) end
    merged = merged + 1
  end
  if new < have + add then reduced = reduced + 1 end
end
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('EXPIRE', KEYS[3], ARGV[2])
redis.call('EXPIRE', KEYS[4], ARGV[2])
return {merged, reduced}
"""


@contextmanager
def _unavailable_on_error() -> Iterator[None]:
    try:
        yield
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as exc:
        raise CartUnavailable() from exc


def _connection():
    return get_redis_connection("default")


def _run(source: str, keys: list[str], args: list) -> list | int:
    # register_script only hashes the source; the script is sent once per server
    # (EVALSHA, then SCRIPT LOAD when the server does not know it yet).
    with _unavailable_on_error():
        return _connection().register_script(source)(keys=keys, args=args)


def _seen_key(key: str) -> str:
    return f"{key}:seen"


def _caps() -> tuple[int, int, int]:
    return (
        settings.ORDERS_CART_MAX_LINES,
        settings.ORDERS_MAX_ITEMS,
        settings.ORDERS_CART_TTL,
    )


def user_cart_key(user_id: int) -> str:
    return cache.make_key(f"cart:user:{user_id}")


def guest_cart_key(token: str) -> str:
    return cache.make_key(f"cart:guest:{token}")


def cart_key_for(request, *, create: bool = False) -> str | None:
    """The key of the request's cart; None for a guest without one unless `create`.

    Reading never creates a session, so a visitor who never added anything keeps getting
    the pages cached for visitors without one.
    """
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user_cart_key(user.pk)
    token = request.session.get(SESSION_FIELD)
    if token is None:
        if not create:
            return None
        if request.session.session_key is None:
            request.session.save()
        token = hashlib.sha256(request.session.session_key.encode()).hexdigest()[:32]
        request.session[SESSION_FIELD] = token
    return guest_cart_key(token)


def cart_items(key: str) -> dict[int, int]:
    """Variant id → quantity."""
    with _unavailable_on_error():
        raw = _connection().hgetall(key)
    return {int(variant): int(quantity) for variant, quantity in raw.items()}


def cart_contents(key: str) -> tuple[dict[int, int], dict[int, Decimal]]:
    """The lines and the unit price seen for each, in one round trip."""
    with _unavailable_on_error():
        pipe = _connection().pipeline(transaction=True)
        pipe.hgetall(key)
        pipe.hgetall(_seen_key(key))
        raw_items, raw_seen = pipe.execute()
    items = {int(v): int(q) for v, q in raw_items.items()}
    seen = {int(v): Decimal(p.decode()) for v, p in raw_seen.items() if int(v) in items}
    return items, seen


def cart_count(key: str | None) -> int:
    """Units in the cart (the quantities summed), in one call."""
    if key is None:
        return 0
    with _unavailable_on_error():
        return sum(int(q) for q in _connection().hvals(key))


def cart_add(
    *,
    key: str,
    variant_id: int,
    quantity: int,
    max_quantity: int | None = None,
    seen_price: Decimal | None = None,
) -> tuple[int, int]:
    """Add units to a line: (status, quantity now). Caps: lines, units per line, `max_quantity`."""
    max_lines, max_items, ttl = _caps()
    cap = max_items if max_quantity is None else min(max_items, max_quantity)
    seen = "" if seen_price is None else str(seen_price)
    args = [variant_id, quantity, max_lines, cap, ttl, seen]
    status, now = _run(_ADD, [key, _seen_key(key)], args)
    return int(status), int(now)


def cart_set(
    *,
    key: str,
    variant_id: int,
    quantity: int,
    max_quantity: int | None = None,
    seen_price: Decimal | None = None,
) -> tuple[int, int]:
    """Set the quantity of a line already in the cart (at least 1; `cart_remove` removes):
    (status, quantity now)."""
    if quantity < 1:
        raise ValueError("quantity must be at least 1")
    _, max_items, ttl = _caps()
    cap = max_items if max_quantity is None else min(max_items, max_quantity)
    seen = "" if seen_price is None else str(seen_price)
    args = [variant_id, quantity, cap, ttl, seen]
    status, now = _run(_SET, [key, _seen_key(key)], args)
    return int(status), int(now)


def cart_remove(*, key: str, variant_id: int) -> bool:
    """Remove a line; False when it was not there."""
    ttl = settings.ORDERS_CART_TTL
    return bool(_run(_REMOVE, [key, _seen_key(key)], [variant_id, ttl]))


def cart_clear(key: str) -> None:
    with _unavailable_on_error():
        _connection().delete(key, _seen_key(key))


def cart_merge(*, source: str, target: str, caps: Mapping[int, int]) -> tuple[int, int]:
    """Move the source cart's lines into the target, quantities added, each capped by
    `caps[variant]` and units per line; delete the source. (lines merged, lines reduced)."""
    max_lines, max_items, ttl = _caps()
    pairs = []
    for variant_id, cap in caps.items():
        pairs += [variant_id, max(0, min(cap, max_items))]
    keys = [source, _seen_key(source), target, _seen_key(target)]
    merged, reduced = _run(_MERGE, keys, [max_lines, ttl, max_items, *pairs])
    return int(merged), int(reduced)


def cart_seen_update(*, key: str, prices: Mapping[int, Decimal]) -> None:
    """Record the unit prices the customer has now been shown."""
    if not prices:
        return
    with _unavailable_on_error():
        pipe = _connection().pipeline(transaction=True)
        pipe.hset(_seen_key(key), mapping={v: str(p) for v, p in prices.items()})
        pipe.expire(_seen_key(key), settings.ORDERS_CART_TTL)
        pipe.execute()
