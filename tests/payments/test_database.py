"""The database keeps the payments' rules against raw SQL of the application's role."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction

from apps.payments import services
from apps.payments.gateway import TOKEN_APPROVE
from apps.payments.models import PaymentMethod, PaymentTransaction

from .conftest import key

pytestmark = pytest.mark.django_db


def _refused(sql: str, params=()) -> DatabaseError:
    with pytest.raises(DatabaseError) as refused, transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
    return refused.value


def _constraint(error: DatabaseError) -> str | None:
    return error.__cause__.diag.constraint_name


def _row(table: str, pk: int) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()


def _ledger() -> list[tuple]:
    return list(PaymentTransaction.objects.order_by("id").values_list())


@pytest.fixture
def captured(order):
    """A payment of the order with 20.00 captured."""
    payment = services.payment_authorize(
        order=order, actor=None, idempotency_key=key(), token=TOKEN_APPROVE
    )
    return services.payment_capture(
        payment=payment, amount=Decimal("20.00"), actor=None, idempotency_key=key()
    )


def test_a_refund_above_what_was_captured_is_refused_by_the_database(captured):
    before, ledger = _row("payments_payment", captured.pk), _ledger()
    # A refund row needs an attempt of its own: one made by hand, as the app could.
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO payments_paymentattempt (payment_id, kind, amount, idempotency_key,"
            " status, error, created_at) VALUES (%s, 'refund', 20.01, %s, 'pending', '', now())"
            " RETURNING id",
            [captured.pk, key()],
        )
        attempt_id = cursor.fetchone()[0]
    error = _refused(
        "INSERT INTO payments_paymenttransaction (payment_id, attempt_id, kind, amount,"
        " currency, outcome, gateway_reference, idempotency_key, code, response, created_at)"
        " VALUES (%s, %s, 'refund', 20.01, %s, 'succeeded', 'r', %s, '', '{}', now())",
        [captured.pk, attempt_id, captured.currency, key()],
    )
    assert _constraint(error) == "payments_payment_refunded_lte_captured"
    assert _row("payments_payment", captured.pk) == before
    assert _ledger() == ledger


@pytest.mark.parametrize(
    "column", ["authorized", "captured", "voided", "refunded", "disputed_lost"]
)
def test_the_amounts_cannot_be_set_directly(captured, column):
    before = _row("payments_payment", captured.pk)
    error = _refused(
        f"UPDATE payments_payment SET {column} = {column} + 1 WHERE id = %s",  # noqa: S608
        [captured.pk],
    )
    assert _constraint(error) == "payments_payment_amounts_from_ledger"
    assert _row("payments_payment", captured.pk) == before


def test_the_switch_off_list_does_not_free_the_amounts(captured):
    before = _row("payments_payment", captured.pk)
    with pytest.raises(DatabaseError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('pgtrigger.ignore', (SELECT '{' || string_agg(tgname, ',')"
                " || '}' FROM pg_trigger WHERE tgrelid = 'payments_payment'::regclass), true)"
            )
            cursor.execute(
                "UPDATE payments_payment SET refunded = 0.01 WHERE id = %s",
                [captured.pk],
            )
    assert _row("payments_payment", captured.pk) == before


def test_a_payment_starts_pending_with_no_money(order):
    error = _refused(
        "INSERT INTO payments_payment (order_id, gateway, currency, amount, authorized,"
        " captured, voided, refunded, disputed_lost, status, failure_code, failure_message,"
        " created_at) VALUES (%s, 'dummy', 'EUR', 10, 10, 10, 0, 0, 0, 'captured', '', '',"
        " now())",
        [order.pk],
    )
    assert _constraint(error) == "payments_payment_amounts_from_ledger"


@pytest.mark.parametrize("to", ["captured", "refunded", "partially_refunded"])
def test_a_money_status_without_the_money_is_refused(order, to):
    payment = services.payment_authorize(
        order=order, actor=None, idempotency_key=key(), token=TOKEN_APPROVE
    )
    before = _row("payments_payment", payment.pk)
    error = _refused(
        "UPDATE payments_payment SET status = %s WHERE id = %s", [to, payment.pk]
    )
    assert _constraint(error) in (
        "payments_payment_status_matches_amounts",
        None,  # the status machine's own refusal
    )
    assert _row("payments_payment", payment.pk) == before


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE payments_paymenttransaction SET amount = 1 WHERE payment_id = %s",
        "UPDATE payments_paymenttransaction SET outcome = 'failed' WHERE payment_id = %s",
        "DELETE FROM payments_paymenttransaction WHERE payment_id = %s",
    ],
)
def test_the_ledger_is_append_only(captured, sql):
    ledger = _ledger()
    _refused(sql, [captured.pk])
    assert _ledger() == ledger


def test_payments_are_never_deleted(captured):
    before = _row("payments_payment", captured.pk)
    error = _refused("DELETE FROM payments_payment WHERE id = %s", [captured.pk])
    assert error.__cause__.sqlstate == "42501"  # no DELETE privilege at all
    assert _row("payments_payment", captured.pk) == before


def test_an_attempt_outcome_is_set_once(captured):
    attempt = captured.attempts.get(kind="capture")
    before = _row("payments_paymentattempt", attempt.pk)
    _refused(
        "UPDATE payments_paymentattempt SET status = 'failed' WHERE id = %s",
        [attempt.pk],
    )
    _refused(
        "UPDATE payments_paymentattempt SET amount = 1 WHERE id = %s", [attempt.pk]
    )
    assert _row("payments_paymentattempt", attempt.pk) == before


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("token", "4242424242424242"),
        ("token", "tok 4242 4242 4242 4242"),
        ("token", "4242-4242-4242-4242"),
        ("token", "378282246310005"),  # 15 digits
        ("brand", "4000 0566 5566 5556"),
        ("last4", "424"),
        ("last4", "42a2"),
    ],
)
def test_a_card_number_like_value_is_refused_by_the_database(customer, column, value):
    values = {"token": "tok_approve", "brand": "visa", "last4": "4242", column: value}
    error = _refused(
        "INSERT INTO payments_paymentmethod (customer_id, gateway, token, brand, last4,"
        " exp_month, exp_year, is_active, created_at)"
        " VALUES (%s, 'dummy', %s, %s, %s, 12, 2030, true, now())",
        [customer.pk, values["token"], values["brand"], values["last4"]],
    )
    assert _constraint(error).startswith("payments_paymentmethod_")
    assert PaymentMethod.objects.count() == 0


def test_a_short_number_in_a_token_is_fine(customer):
    method = services.payment_method_add(
        customer=customer,
        gateway="dummy",
        token="tok_123456789012",  # 12 digits
        brand="visa",
        last4="4242",
        exp_month=1,
        exp_year=2031,
        actor=customer,
    )
    assert str(method) == "visa •••• 4242"


@pytest.mark.parametrize(
    "reference",
    ["auth_ca0085022548953d", "cap_4242424242424242x", "ref-A1234567890123"],
)
def test_a_reference_with_a_long_run_of_digits_inside_it_is_not_a_card_number(
    reference,
):
    from apps.payments.models import CARD_NUMBER_LIKE

    with connection.cursor() as cursor:
        cursor.execute("SELECT %s ~ %s", [reference, CARD_NUMBER_LIKE])
        assert cursor.fetchone()[0] is False
        cursor.execute("SELECT %s ~ %s", ["tok_4242424242424242", CARD_NUMBER_LIKE])
        assert cursor.fetchone()[0] is True


@pytest.mark.parametrize(
    ("gateway", "note"),
    [("dummy", "paid in cash, honest"), ("manual", "")],
    ids=["gateway-payment-with-a-note", "payment-by-hand-without-one"],
)
def test_a_note_belongs_to_money_recorded_by_hand_only(order, gateway, note):
    insert = (
        "INSERT INTO payments_payment (order_id, gateway, currency, amount, authorized,"
        " captured, voided, refunded, disputed_lost, status, failure_code, failure_message,"
        " note, created_at) VALUES (%s, %s, 'EUR', 10, 0, 0, 0, 0, 0, 'pending', '', '',"
        " %s, now())"
    )
    error = _refused(insert, [order.pk, gateway, note])
    assert _constraint(error) == "payments_payment_note_by_hand_only"
    assert not order.payments.exists()
    # the same row with its note in its place is taken
    with connection.cursor() as cursor:
        cursor.execute(insert, [order.pk, gateway, "" if note else "bank transfer"])
    assert order.payments.count() == 1
