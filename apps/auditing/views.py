"""Operational endpoints."""

from __future__ import annotations

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache


def _check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except DatabaseError as exc:
        return f"down: {exc.__class__.__name__}"


def _check_redis(url: str) -> str:
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        client.ping()
        return "ok"
    except (redis.RedisError, OSError) as exc:
        return f"down: {exc.__class__.__name__}"


def _audit_backlog() -> dict:
    from .selectors import audit_backlog

    try:
        return audit_backlog().as_dict()
    except DatabaseError as exc:
        return {"error": exc.__class__.__name__}


@never_cache
def healthz_live(request):
    """Liveness: 200 while the process answers requests; asks no database and no Redis.

    A container's health check uses this one, so an outage of Redis (or of the database)
    does not get every web container restarted or taken out of the proxy's rotation.
    """
    return JsonResponse({"status": "ok"})


@never_cache
def healthz(request):
    """Readiness: 200 when the database, Redis and the broker answer; 503 naming what is down.

    `audit` tells how many row changes wait for the drain and for how long; a lagging drain
    is a warning (`warnings`), not an outage: the shop keeps working and nothing is lost.
    """
    cache_location = settings.CACHES["default"].get("LOCATION", "")
    checks = {
        "database": _check_database(),
        "redis": _check_redis(cache_location)
        if cache_location.startswith("redis")
        else "n/a",
        "broker": _check_redis(settings.CELERY_BROKER_URL),
    }
    down = [name for name, state in checks.items() if state.startswith("down")]
    body = {"status": "down" if down else "ok", "checks": checks}
    if down:
        body["down"] = down
    if checks["database"] == "ok":
        body["audit"] = _audit_backlog()
        warnings = [
            name
            for name, on in (
                ("audit_drain_lagging", body["audit"].get("lagging")),
                (
                    "audit_captures_quarantined",
                    body["audit"].get("quarantined_captures"),
                ),
            )
            if on
        ]
        if warnings:
            body["warnings"] = warnings
    return JsonResponse(body, status=503 if down else 200)
