"""Fixed-window request counters in Redis: how many times a key asked within a window.

Keys carry the cache's prefix (one namespace per deployment or test run) under `throttle:`.
When Redis cannot be reached a limit is not enforced (logged): a rate limit guards against
abuse, and refusing every sign-up while Redis restarts would be worse.
"""

from __future__ import annotations

import logging

from django.core.cache import cache

from .errors import RateLimited, formatted

log = logging.getLogger(__name__)


def throttle_key(*parts: str) -> str:
    """The full Redis key of a throttling counter (prefixed like every cache key)."""
    return cache.make_key(":".join(("throttle", *parts)))


def counter_incr(key: str, window: int) -> tuple[int, int] | None:
    """Count one hit under `key` (a `throttle_key`); (count, seconds left) or None without Redis."""
    from django_redis import get_redis_connection
    from redis.exceptions import RedisError

    try:
        pipe = get_redis_connection("default").pipeline()
        pipe.incr(key)
        pipe.expire(key, window, nx=True)
        pipe.ttl(key)
        count, _, ttl = pipe.execute()
    except (RedisError, OSError):
        log.warning("throttle counter %s unavailable (Redis down)", key)
        return None
    return int(count), max(int(ttl), 1)


def rate_limit(*, name: str, key: str, limit: int, window: int) -> None:
    """Count one request of `name` by `key`; RateLimited once more than `limit` in `window` s."""
    counted = counter_incr(throttle_key("rate", name, key), window)
    if counted is None:
        return
    count, left = counted
    if count > limit:
        log.info("rate limit %s reached by %s (%s in %s s)", name, key, count, window)
        raise formatted(RateLimited, minutes=(left + 59) // 60)
