"""The transactional outbox: events written with the change, relayed once to every target.

`outbox_write` inserts the event in the caller's transaction, so an event exists exactly when
its change committed. `outbox_relay` takes a batch of due events (`FOR UPDATE SKIP LOCKED`: two
relays never take the same event), delivers each to every target that has not had it yet
(in-process handlers registered with `outbox_handler`, and the webhook endpoints staff
configure), records each delivery, and on failure retries later with exponential backoff and
jitter; after ORDERS_OUTBOX_MAX_ATTEMPTS the event is dead until staff retry it.

Webhooks are signed: `X-Shop-Signature: v1=<hex HMAC-SHA256 of "<timestamp>.<body>">` with
the endpoint's secret, `X-Shop-Timestamp` in Unix seconds and `X-Shop-Event-Id` for
de-duplication (docs/orders.md).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import random
import time
import urllib.error
import urllib.request
import uuid
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from .models import Delivery, OutboxEvent, WebhookEndpoint

log = logging.getLogger(__name__)

Handler = Callable[[OutboxEvent], None]
_handlers: dict[str, dict[str, Handler]] = defaultdict(dict)


class DeliveryFailed(Exception):
    """A target did not take the event; the relay retries it later."""


def outbox_handler(topic: str, name: str):
    """Register an in-process handler of `topic` under a stable `name` (its delivery target)."""

    def register(func: Handler) -> Handler:
        _handlers[topic][name] = func
        return func

    return register


def outbox_handler_remove(topic: str, name: str) -> None:
    _handlers[topic].pop(name, None)


def outbox_write(
    *,
    topic: str,
    aggregate_id: str,
    payload: dict[str, Any],
    aggregate_type: str = "order",
) -> OutboxEvent:
    """Record an event in the current transaction; the relay delivers it after commit."""
    event_id = uuid.uuid4()
    body = {
        "event_id": str(event_id),
        "topic": topic,
        "occurred_at": timezone.now().isoformat(),
        "data": payload,
    }
    event = OutboxEvent.objects.create(
        event_id=event_id,
        topic=topic,
        aggregate_type=aggregate_type,
        aggregate_id=aggregate_id,
        payload=json.loads(json.dumps(body, cls=DjangoJSONEncoder)),
    )
    transaction.on_commit(_relay_soon)
    return event


_last_nudge = [0.0]


def _relay_soon() -> None:
    """Ask a worker to relay now rather than at the next beat tick (best effort, at most
    once a second per process: one relay pass takes every event due by then)."""
    from celery import current_app

    if getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
        return
    now = time.monotonic()
    if now - _last_nudge[0] < 1.0:
        return
    _last_nudge[0] = now
    try:
        current_app.send_task("orders.outbox_relay", kwargs={"trigger": "event"})
    except Exception:  # noqa: BLE001 - the beat schedule relays it anyway
        log.warning(
            "could not queue the outbox relay; the schedule will", exc_info=True
        )


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The `X-Shop-Signature` header value for a body sent at `timestamp`."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"v1={mac.hexdigest()}"


def signature_verify(
    *, secret: str, header: str, timestamp: str, body: bytes, tolerance: int = 300
) -> bool:
    """What a receiver checks: the signature matches and the timestamp is recent.

    Whatever the headers hold (a huge or non-numeric timestamp, non-ASCII bytes) the answer
    is False, never an exception.
    """
    if not secret or not timestamp.isascii() or not timestamp.isdigit():
        return False
    if len(timestamp) > 12 or abs(time.time() - int(timestamp)) > tolerance:
        return False
    expected = signature(secret, int(timestamp), body).encode()
    return hmac.compare_digest(expected, header.encode("utf-8", "replace"))


def _webhook_send(endpoint: WebhookEndpoint, event: OutboxEvent) -> None:
    body = json.dumps(event.payload, separators=(",", ":")).encode()
    timestamp = int(time.time())
    request = urllib.request.Request(  # noqa: S310 - staff's endpoint URL, validated http(s) on save
        endpoint.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "the-shop-webhooks/1",
            "X-Shop-Event-Id": str(event.event_id),
            "X-Shop-Topic": event.topic,
            "X-Shop-Timestamp": str(timestamp),
            "X-Shop-Signature": signature(endpoint.secret, timestamp, body),
        },
    )
    try:
        with urllib.request.urlopen(  # noqa: S310 - staff-configured http(s) endpoint
            request, timeout=settings.ORDERS_WEBHOOK_TIMEOUT
        ) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        raise DeliveryFailed(f"{endpoint.url} answered {exc.code}") from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise DeliveryFailed(f"{endpoint.url}: {exc}") from exc
    if not 200 <= status < 300:
        raise DeliveryFailed(f"{endpoint.url} answered {status}")


def _targets(event: OutboxEvent, endpoints: list[WebhookEndpoint]):
    for name, handler in _handlers.get(event.topic, {}).items():
        yield f"handler:{name}", lambda handler=handler: handler(event)
    for endpoint in endpoints:
        if endpoint.wants(event.topic):
            yield (
                f"webhook:{endpoint.pk}",
                lambda endpoint=endpoint: _webhook_send(endpoint, event),
            )


def backoff(attempts: int) -> dt.timedelta:
    """Wait before the next try: base × 2^(attempts-1), plus up to 20 % jitter."""
    base = settings.ORDERS_OUTBOX_BACKOFF * 2 ** max(attempts - 1, 0)
    return dt.timedelta(seconds=base * (1 + random.random() * 0.2))  # noqa: S311


def _deliver(event: OutboxEvent, endpoints: list[WebhookEndpoint]) -> str:
    """Deliver to each target that lacks it; '' when all have it, else the first error."""
    done = set(event.deliveries.values_list("target", flat=True))
    errors = []
    for target, send in _targets(event, endpoints):
        if target in done:
            continue
        try:
            send()
        except Exception as exc:  # noqa: BLE001 - any handler failure is retried later
            errors.append(f"{target}: {exc}")
            continue
        Delivery.objects.create(event=event, target=target)
    return "; ".join(errors)


def outbox_relay(*, batch_size: int, now: dt.datetime | None = None) -> int:
    """Relay one batch of due events; returns how many were tried."""
    now = now or timezone.now()
    with transaction.atomic():
        events = list(
            OutboxEvent.objects.select_for_update(skip_locked=True)
            .filter(status=OutboxEvent.Status.PENDING, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "id")[:batch_size]
        )
        if not events:
            return 0
        endpoints = list(WebhookEndpoint.objects.filter(is_active=True))
        for event in events:
            error = _deliver(event, endpoints)
            event.attempts += 1
            if not error:
                event.status, event.sent_at, event.last_error = (
                    "sent",
                    timezone.now(),
                    "",
                )
            elif event.attempts >= settings.ORDERS_OUTBOX_MAX_ATTEMPTS:
                event.status, event.last_error = "dead", error[:4000]
            else:
                event.next_attempt_at = timezone.now() + backoff(event.attempts)
                event.last_error = error[:4000]
            event.save(
                update_fields=[
                    "status",
                    "attempts",
                    "next_attempt_at",
                    "last_error",
                    "sent_at",
                ]
            )
        return len(events)


@transaction.atomic
def outbox_retry(*, event_ids: list[int], actor=None) -> int:
    """Give dead events another round of attempts (a staff action)."""
    return OutboxEvent.objects.filter(pk__in=event_ids, status="dead").update(
        status="pending", attempts=0, next_attempt_at=timezone.now(), last_error=""
    )
