"""After any sequence of operations, a payment's amounts are the sums of its successful
ledger rows (hypothesis, stateful): captures, voids, refunds, lost network answers and
their reconciliation, disputes lost and won."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from apps.auditing.errors import ShopError
from apps.payments import services
from apps.payments.gateway import TOKEN_APPROVE
from apps.payments.models import Payment, PaymentTransaction

pytestmark = pytest.mark.django_db

cents = st.integers(min_value=1, max_value=6000).map(lambda c: Decimal(c) / 100)


def _sum(payment: Payment, *kinds: str) -> Decimal:
    total = PaymentTransaction.objects.filter(
        payment=payment, kind__in=kinds, outcome="succeeded"
    ).aggregate(total=Sum("amount"))["total"]
    return total or Decimal("0")


@pytest.fixture
def machine(place, gateway):
    class PaymentLedger(RuleBasedStateMachine):
        @initialize()
        def pay(self):
            order = place(units=2, email=f"{uuid.uuid4().hex[:10]}@example.com")
            self.payment = services.payment_authorize(
                order=order,
                actor=None,
                idempotency_key=uuid.uuid4().hex,
                token=TOKEN_APPROVE,
            )
            self.disputes = []

        def _try(self, operation, **kwargs):
            try:
                operation(**kwargs)
            except ShopError:
                pass  # a refused operation changes nothing: the invariant checks it
            self.payment.refresh_from_db()

        @rule(amount=cents, lose_answer=st.booleans())
        def capture(self, amount, lose_answer):
            if lose_answer:
                gateway.fail_next("capture", "network_error")
            self._try(
                services.payment_capture,
                payment=self.payment,
                amount=amount,
                actor=None,
                idempotency_key=uuid.uuid4().hex,
            )

        @rule()
        def void(self):
            self._try(
                services.payment_void,
                payment=self.payment,
                actor=None,
                idempotency_key=uuid.uuid4().hex,
            )

        @rule(amount=cents, lose_answer=st.booleans())
        def refund(self, amount, lose_answer):
            if lose_answer:
                gateway.fail_next("refund", "timeout")
            self._try(
                services.payment_refund,
                payment=self.payment,
                amount=amount,
                reason="other",
                actor=None,
                idempotency_key=uuid.uuid4().hex,
            )

        @rule()
        def reconcile(self):
            services.payments_reconcile(
                batch_size=50, now=timezone.now() + dt.timedelta(hours=1)
            )
            self.payment.refresh_from_db()

        @rule(amount=cents)
        def dispute_lost(self, amount):
            def lose(**kwargs):
                dispute = services.dispute_open(**kwargs)
                services.dispute_close(dispute=dispute, won=False, actor=None)
                self.disputes.append(dispute)

            self._try(
                lose,
                payment=self.payment,
                gateway_reference=uuid.uuid4().hex,
                amount=amount,
                respond_by=timezone.now(),
            )

        @rule()
        def dispute_won_after_all(self):
            if self.disputes:
                self._try(
                    services.dispute_close,
                    dispute=self.disputes.pop(),
                    won=True,
                    actor=None,
                )

        @invariant()
        def amounts_are_the_ledger_sums(self):
            p = Payment.objects.get(pk=self.payment.pk)
            assert p.authorized == _sum(p, "authorize")
            assert p.captured == _sum(p, "capture")
            assert p.voided == _sum(p, "void")
            assert p.refunded == _sum(p, "refund")
            assert p.disputed_lost == _sum(p, "chargeback") - _sum(
                p, "chargeback_reversal"
            )
            assert 0 <= p.captured <= p.authorized - p.voided
            assert 0 <= p.refunded <= p.captured - p.disputed_lost

    return PaymentLedger


def test_the_amounts_always_equal_the_ledger_sums(machine):
    from hypothesis.stateful import run_state_machine_as_test

    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=15,
            stateful_step_count=10,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture],
        ),
    )
