"""The dummy gateway keeps its charges where every process of the shop sees them."""

from __future__ import annotations

import copy
import socket
from decimal import Decimal

import pytest
from django_redis import get_redis_connection

from apps.payments.gateway import DummyGateway, GatewayUnreachable, _state_key


def test_a_charge_made_here_is_captured_by_another_process():
    # given an authorization made by this process
    result = DummyGateway().authorize(
        token="tok_approve",
        amount=Decimal("30.00"),
        currency="EUR",
        idempotency_key="a1",
    )
    assert result.ok
    # then its state is in Redis (a Celery worker or the web process reads it there) ...
    redis = get_redis_connection("default")
    assert redis.hexists(_state_key("charges"), result.reference)
    assert redis.hexists(_state_key("results"), "a1")
    # ... so a fresh gateway object with nothing in memory captures and refunds it
    DummyGateway.calls.clear()
    other = DummyGateway()
    captured = other.capture(
        reference=result.reference,
        amount=Decimal("30.00"),
        currency="EUR",
        idempotency_key="c1",
    )
    assert captured.ok
    refunded = other.refund(
        reference=result.reference,
        amount=Decimal("40.00"),
        currency="EUR",
        idempotency_key="r1",
    )
    assert not refunded.ok and refunded.code == "amount_too_large"
    assert other.fetch_status(idempotency_key="c1") == captured


def test_redis_down_means_the_gateway_is_unreachable(settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    caches = copy.deepcopy(settings.CACHES)
    caches["default"]["LOCATION"] = f"redis://127.0.0.1:{port}/0"
    caches["default"]["OPTIONS"]["SOCKET_CONNECT_TIMEOUT"] = 0.5
    settings.CACHES = caches
    with pytest.raises(GatewayUnreachable):
        DummyGateway().authorize(
            token="tok_approve",
            amount=Decimal("1.00"),
            currency="EUR",
            idempotency_key="x",
        )
