"""The outbox: each event delivered once per target, failures retried with backoff, then dead;
webhooks signed and checked by a receiver on a real local HTTP server."""

from __future__ import annotations

import datetime as dt
import http.server
import json
import threading

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from apps.orders import outbox, services
from apps.orders.models import Delivery, OutboxEvent, WebhookEndpoint


@pytest.fixture
def recording():
    """A handler of order.placed that records what it gets; `fail` makes it raise."""
    seen: list[str] = []
    state = {"fail": False}

    def handle(event):
        if state["fail"]:
            raise RuntimeError("receiver down")
        seen.append(str(event.event_id))

    outbox.outbox_handler("order.placed", "test.recording")(handle)
    yield seen, state
    outbox.outbox_handler_remove("order.placed", "test.recording")


@pytest.fixture
def placed(stocked_variant, checkout, new_key):
    shirt = stocked_variant(units=10)
    return services.order_place(
        idempotency_key=new_key(), request=checkout({shirt: 1}), actor=None
    )


def test_each_event_reaches_each_handler_once(placed, recording):
    seen, _state = recording
    assert outbox.outbox_relay(batch_size=10) == 1
    assert outbox.outbox_relay(batch_size=10) == 0
    event = OutboxEvent.objects.get()
    assert seen == [str(event.event_id)]
    assert event.status == "sent" and event.attempts == 1
    assert set(Delivery.objects.values_list("target", flat=True)) == {
        "handler:test.recording",
        "handler:email.order_confirmation",
    }
    # The customer's confirmation mail went out once, with the order's page.
    assert len(mail.outbox) == 1
    assert placed.number in mail.outbox[0].subject
    assert "/orders/guest/" in mail.outbox[0].body


@override_settings(ORDERS_OUTBOX_MAX_ATTEMPTS=3, ORDERS_OUTBOX_BACKOFF=60)
def test_a_failing_handler_is_retried_with_backoff_then_dead_lettered(
    placed, recording
):
    seen, state = recording
    state["fail"] = True
    now = timezone.now()
    outbox.outbox_relay(batch_size=10, now=now)
    event = OutboxEvent.objects.get()
    assert (event.status, event.attempts) == ("pending", 1)
    assert "receiver down" in event.last_error
    first_wait = event.next_attempt_at - now
    assert dt.timedelta(seconds=60) <= first_wait <= dt.timedelta(seconds=73)
    # Not due yet: nothing is tried.
    assert outbox.outbox_relay(batch_size=10, now=now) == 0
    outbox.outbox_relay(batch_size=10, now=event.next_attempt_at)
    event.refresh_from_db()
    assert event.attempts == 2
    assert event.next_attempt_at - timezone.now() >= dt.timedelta(seconds=119)
    outbox.outbox_relay(batch_size=10, now=event.next_attempt_at)
    event.refresh_from_db()
    assert (event.status, event.attempts) == ("dead", 3)
    # The mail handler succeeded the first time and is never sent again.
    assert len(mail.outbox) == 1
    # Staff retry it; the receiver is back: it gets the event once.
    state["fail"] = False
    assert outbox.outbox_retry(event_ids=[event.pk]) == 1
    outbox.outbox_relay(batch_size=10)
    event.refresh_from_db()
    assert event.status == "sent"
    assert seen == [str(event.event_id)]
    assert len(mail.outbox) == 1


class _Receiver(http.server.BaseHTTPRequestHandler):
    secret = "whsec-test"
    received: list = []
    answer = 200

    def do_POST(self):  # noqa: N802 - the http.server API
        body = self.rfile.read(int(self.headers["Content-Length"]))
        ok = outbox.signature_verify(
            secret=self.secret,
            header=self.headers["X-Shop-Signature"],
            timestamp=self.headers["X-Shop-Timestamp"],
            body=body,
        )
        type(self).received.append(
            (ok, self.headers["X-Shop-Event-Id"], json.loads(body))
        )
        self.send_response(self.answer if ok else 400)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    _Receiver.received = []
    _Receiver.answer = 200
    server = http.server.HTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", _Receiver
    server.shutdown()
    server.server_close()


def test_a_signed_webhook_verifies_on_a_local_server(placed, receiver):
    url, handler = receiver
    WebhookEndpoint.objects.create(
        url=url, secret=handler.secret, topics=["order.placed"]
    )
    outbox.outbox_relay(batch_size=10)
    event = OutboxEvent.objects.get()
    assert event.status == "sent"
    assert [(ok, event_id) for ok, event_id, _body in handler.received] == [
        (True, str(event.event_id))
    ]
    body = handler.received[0][2]
    assert body["topic"] == "order.placed"
    assert body["data"]["number"] == placed.number


def test_a_webhook_with_the_wrong_secret_fails_and_is_retried(placed, receiver):
    url, handler = receiver
    WebhookEndpoint.objects.create(url=url, secret="not-the-receivers")
    outbox.outbox_relay(batch_size=10)
    event = OutboxEvent.objects.get()
    assert event.status == "pending" and event.attempts == 1
    assert "answered 400" in event.last_error
    assert [ok for ok, _id, _body in handler.received] == [False]


def test_a_stale_or_forged_signature_is_refused():
    body = b'{"a":1}'
    now = int(timezone.now().timestamp())
    good = outbox.signature("s", now, body)
    assert outbox.signature_verify(
        secret="s", header=good, timestamp=str(now), body=body
    )
    assert not outbox.signature_verify(
        secret="s", header=good, timestamp=str(now), body=b'{"a":2}'
    )
    old = now - 3600
    assert not outbox.signature_verify(
        secret="s",
        header=outbox.signature("s", old, body),
        timestamp=str(old),
        body=body,
    )
    assert not outbox.signature_verify(
        secret="s", header=good, timestamp="x", body=body
    )


@pytest.mark.parametrize(
    ("header", "timestamp"),
    [
        ("v1=é", str),  # non-ASCII: compare_digest would raise on text
        (None, lambda now: "9" * 400),  # too large for a float
        (None, lambda now: str(-now)),
        (None, lambda now: f"{now:_}"),  # int() reads it; not what a signer sends
        (None, lambda now: f" {now}"),
    ],
)
def test_strange_headers_are_refused_never_raised(header, timestamp):
    body = b'{"a":1}'
    now = int(timezone.now().timestamp())
    assert not outbox.signature_verify(
        secret="s",
        header=header or outbox.signature("s", now, body),
        timestamp=timestamp(now),
        body=body,
    )


def test_an_empty_secret_verifies_nothing():
    body = b'{"a":1}'
    now = int(timezone.now().timestamp())
    assert not outbox.signature_verify(
        secret="", header=outbox.signature("", now, body), timestamp=str(now), body=body
    )
