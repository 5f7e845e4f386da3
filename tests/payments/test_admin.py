"""Finance in the back office: buttons that call the services, the reconciliation, the export."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.orders.payments_port import payments_port
from apps.payments import selectors, services
from apps.payments.models import (
    Dispute,
    Payment,
    PaymentAttempt,
    PaymentMethod,
    PaymentTransaction,
    Refund,
)

from .conftest import key

pytestmark = pytest.mark.django_db

UTC = dt.UTC


@pytest.fixture
def authorized(order):
    """The order (total 52.50) paid by card: authorized, nothing captured yet."""
    return services.payment_authorize(
        order=order, actor=None, idempotency_key=key(), token="tok_approve"
    )


@pytest.fixture
def captured(authorized):
    return services.payment_capture(
        payment=authorized,
        amount=authorized.capturable,
        actor=None,
        idempotency_key=key(),
    )


def _do(obj, action):
    return reverse(f"admin:payments_{obj._meta.model_name}_do", args=[obj.pk, action])


def _key(response) -> str:
    return response.context["form"]["key"].value()


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _ledger() -> list[tuple]:
    return list(PaymentTransaction.objects.order_by("id").values_list("kind", "amount"))


def test_an_authorized_payment_offers_capture_and_void_not_refund(
    staff_client, authorized
):
    page = staff_client.get(
        reverse("admin:payments_payment_change", args=[authorized.pk])
    )
    assert page.status_code == 200
    assert [name for name, _label, _url in page.context["buttons"]] == [
        "capture",
        "void",
    ]
    html = page.content.decode()
    assert "finance-action-capture" in html and "finance-action-refund" not in html


def test_staff_capture_part_then_the_rest(staff_client, authorized, staff):
    form = staff_client.get(_do(authorized, "capture"))
    assert form.context["form"]["amount"].value() == Decimal("52.50")
    done = staff_client.post(
        _do(authorized, "capture"), {"key": _key(form), "amount": "20.00"}
    )
    assert done.status_code == 302
    authorized.refresh_from_db()
    assert (authorized.status, authorized.captured) == (
        "partially_captured",
        Decimal("20.00"),
    )
    assert PaymentAttempt.objects.get(kind="capture").actor_id == staff.pk
    # The same form posted again (a double click) captures nothing more.
    staff_client.post(
        _do(authorized, "capture"), {"key": _key(form), "amount": "20.00"}
    )
    authorized.refresh_from_db()
    assert authorized.captured == Decimal("20.00")
    assert PaymentAttempt.objects.filter(kind="capture").count() == 1
    # More than what is left is refused next to the field.
    rest = staff_client.get(_do(authorized, "capture"))
    refused = staff_client.post(
        _do(authorized, "capture"), {"key": _key(rest), "amount": "40.00"}
    )
    assert refused.status_code == 400
    assert refused.context["form"].errors["amount"] == [
        "At most 32.50 can be captured on this payment."
    ]
    staff_client.post(
        _do(authorized, "capture"), {"key": _key(rest), "amount": "32.50"}
    )
    authorized.refresh_from_db()
    assert (authorized.status, authorized.captured) == ("captured", Decimal("52.50"))


def test_void_releases_the_authorization_and_the_buttons_go(staff_client, authorized):
    form = staff_client.get(_do(authorized, "void"))
    staff_client.post(_do(authorized, "void"), {"key": _key(form)})
    authorized.refresh_from_db()
    assert (authorized.status, authorized.voided) == ("voided", Decimal("52.50"))
    page = staff_client.get(
        reverse("admin:payments_payment_change", args=[authorized.pk])
    )
    assert page.context["buttons"] == []
    late = staff_client.post(
        _do(authorized, "capture"), {"key": key(), "amount": "1.00"}
    )
    assert late.status_code == 302
    assert _messages(late) == [f"Capture: not possible now ({authorized})."]
    assert authorized.transactions.filter(kind="capture").count() == 0


def test_a_refund_within_refundable_reaches_the_customers_page(
    staff_client, captured, staff
):
    form = staff_client.get(_do(captured, "refund"))
    assert "At most 52.50 EUR" in form.content.decode()
    done = staff_client.post(
        _do(captured, "refund"),
        {
            "key": _key(form),
            "amount": "12.50",
            "reason": "damaged",
            "note": "cracked lid",
        },
    )
    assert done.status_code == 302
    assert _messages(done) == ["Refund: done."]
    captured.refresh_from_db()
    assert (captured.status, captured.refunded) == (
        "partially_refunded",
        Decimal("12.50"),
    )
    refund = Refund.objects.get()
    assert (refund.amount, refund.reason, refund.note, refund.actor) == (
        Decimal("12.50"),
        "damaged",
        "cracked lid",
        staff,
    )
    lines = payments_port().summary(order=captured.order)
    assert [(line.label, line.amount) for line in lines] == [
        ("Payment authorized", Decimal("52.50")),
        ("Payment taken", Decimal("52.50")),
        ("Refunded", Decimal("12.50")),
    ]


def test_a_refund_above_refundable_is_refused_next_to_the_field_and_changes_nothing(
    staff_client, captured
):
    services.payment_refund(
        payment=captured,
        amount=Decimal("50.00"),
        reason="customer_request",
        actor=None,
        idempotency_key=key(),
    )
    captured.refresh_from_db()
    before = (_ledger(), PaymentAttempt.objects.count(), Refund.objects.count())
    form = staff_client.get(_do(captured, "refund"))
    refused = staff_client.post(
        _do(captured, "refund"),
        {"key": _key(form), "amount": "2.51", "reason": "damaged"},
    )
    assert refused.status_code == 400
    assert refused.context["form"].errors == {
        "amount": ["At most 2.50 can be refunded on this payment."]
    }
    no_reason = staff_client.post(
        _do(captured, "refund"), {"key": _key(form), "amount": "1.00", "reason": ""}
    )
    assert no_reason.status_code == 400
    assert list(no_reason.context["form"].errors) == ["reason"]
    captured.refresh_from_db()
    assert captured.refunded == Decimal("50.00")
    assert (
        _ledger(),
        PaymentAttempt.objects.count(),
        Refund.objects.count(),
    ) == before


def test_the_services_refusal_shows_next_to_the_field_too(
    staff_client, captured, monkeypatch
):
    # The form's check passed on a stale amount (another refund in between): the service
    # refuses under the payment's lock and the message lands on the amount.
    from apps.payments.admin.forms import RefundForm

    monkeypatch.setattr(
        RefundForm, "clean_amount", lambda self: self.cleaned_data["amount"]
    )
    form = staff_client.get(_do(captured, "refund"))
    refused = staff_client.post(
        _do(captured, "refund"),
        {"key": _key(form), "amount": "60.00", "reason": "other"},
    )
    assert refused.status_code == 400
    assert refused.context["form"].errors["amount"] == [
        "A refund of 60.00 is more than the 52.50 that can still be refunded on this"
        " payment."
    ]
    assert Refund.objects.count() == 0
    assert PaymentAttempt.objects.filter(kind="refund").count() == 0


def test_a_dispute_recorded_and_lost_shows_in_the_reconciliation(
    staff_client, captured
):
    form = staff_client.post(
        _do(captured, "dispute"),
        {
            "gateway_reference": "dp_1",
            "amount": "20.00",
            "reason": "fraudulent",
            "respond_by": "2030-01-31 12:00",
            "evidence_notes": "signed delivery receipt",
        },
    )
    assert form.status_code == 302
    dispute = Dispute.objects.get()
    assert (dispute.status, dispute.amount, dispute.evidence_notes) == (
        "opened",
        Decimal("20.00"),
        "signed delivery receipt",
    )
    page = staff_client.get(reverse("admin:payments_dispute_change", args=[dispute.pk]))
    assert [name for name, _l, _u in page.context["buttons"]] == [
        "evidence",
        "won",
        "lost",
    ]
    staff_client.post(_do(dispute, "lost"))
    dispute.refresh_from_db()
    captured.refresh_from_db()
    assert (dispute.status, captured.disputed_lost) == ("lost", Decimal("20.00"))

    page = staff_client.get(reverse("admin:payments_reconciliation"))
    assert page.status_code == 200
    today = page.context["days"][0]
    assert today.day == timezone.now().astimezone(UTC).date()
    assert (today.captured, today.disputes_lost, today.net, today.orders_total) == (
        Decimal("52.50"),
        Decimal("20.00"),
        Decimal("32.50"),
        Decimal("52.50"),
    )
    assert today.difference == Decimal("-20.00")
    assert today.reasons == ["lost disputes −20.00"]
    assert page.context["differences"] == 1
    assert 'class="difference"' in page.content.decode()


def test_a_dispute_above_what_was_kept_is_refused_next_to_the_field(
    staff_client, captured
):
    refused = staff_client.post(
        _do(captured, "dispute"),
        {
            "gateway_reference": "dp_2",
            "amount": "52.51",
            "respond_by": "2030-01-31 12:00",
        },
    )
    assert refused.status_code == 400
    assert refused.context["form"].errors == {
        "amount": ["At most 52.50 of this payment can be disputed."]
    }
    assert not Dispute.objects.exists()


def test_a_paid_and_captured_day_adds_up(captured):
    (today, *older) = selectors.reconciliation(days=30)
    assert (today.net, today.orders, today.orders_total, today.difference) == (
        Decimal("52.50"),
        1,
        Decimal("52.50"),
        Decimal("0.00"),
    )
    assert today.reasons == []
    assert len(older) == 29
    assert all(day.difference == 0 and day.orders == 0 for day in older)


def _ledger_dated(monkeypatch, when: dt.datetime) -> None:
    """New ledger rows are dated `when` (the rest of the shop keeps the real clock)."""
    field = PaymentTransaction._meta.get_field("created_at")
    monkeypatch.setattr(field, "_get_default", lambda: when)


def test_the_reconciliation_asks_two_queries_whatever_the_days(
    place, monkeypatch, django_assert_num_queries
):
    now = timezone.now().astimezone(UTC)
    for days_ago in (0, 1, 3):
        _ledger_dated(monkeypatch, now - dt.timedelta(days=days_ago))
        payment = services.payment_authorize(
            order=place(), actor=None, idempotency_key=key(), token="tok_approve"
        )
        services.payment_capture(
            payment=payment,
            amount=Decimal("10.00"),
            actor=None,
            idempotency_key=key(),
        )
    for days in (1, 30):
        with django_assert_num_queries(2):
            rows = selectors.reconciliation(days=days)
    by_day = {(now.date() - row.day).days: row for row in rows}
    # The orders were all paid today; the ledger moved on three days.
    assert by_day[0].orders == 3 and by_day[0].captured == Decimal("10.00")
    assert by_day[0].difference == Decimal("10.00") - Decimal("157.50")
    assert by_day[1].captured == Decimal("10.00") and by_day[1].orders == 0
    assert by_day[1].reasons == [
        "captured 10.00 for orders of 0.00 (captured later, earlier, or not yet)"
    ]
    assert by_day[2].difference == 0 and by_day[2].reasons == []


def test_an_order_paid_by_hand_is_named_as_the_difference(staff_client, order):
    from apps.orders import services as orders

    orders.order_mark_paid(order=order, actor=None, reason="bank transfer")
    (today, *_) = selectors.reconciliation(days=1)
    assert today.difference == Decimal("-52.50")
    assert today.reasons == ["paid by hand, no card payment 52.50"]


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def test_the_ledger_export_streams_the_rows_of_the_range(staff_client, captured):
    services.payment_refund(
        payment=captured,
        amount=Decimal("5.00"),
        reason="other",
        actor=None,
        idempotency_key=key(),
    )
    today = timezone.now().astimezone(UTC).date()
    url = reverse("admin:payments_ledger_export")
    response = staff_client.get(url, {"start": str(today), "end": str(today)})
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="ledger-{today}-{today}.csv"'
    )
    header, *rows = _csv(response)
    assert header == list(selectors.LEDGER_COLUMNS)
    number = captured.order.number
    assert [row[2:8] for row in rows] == [
        [number, str(captured.pk), "authorize", "succeeded", "52.50", "EUR"],
        [number, str(captured.pk), "capture", "succeeded", "52.50", "EUR"],
        [number, str(captured.pk), "refund", "succeeded", "5.00", "EUR"],
    ]
    first = PaymentTransaction.objects.order_by("id").first()
    assert rows[0][:2] == [str(first.pk), first.created_at.astimezone(UTC).isoformat()]
    # A range without rows: the header alone.
    yesterday = today - dt.timedelta(days=1)
    empty = staff_client.get(url, {"start": str(yesterday), "end": str(yesterday)})
    assert _csv(empty) == [list(selectors.LEDGER_COLUMNS)]


@pytest.mark.parametrize(
    ("start", "end", "errors"),
    [
        ("2025-13-01", "2025-01-31", {"start": ["Enter a valid date."]}),
        ("2025-02-01", "", {"end": ["This field is required."]}),
        (
            "2025-02-01",
            "2025-01-31",
            {"__all__": ["The first day comes after the last."]},
        ),
        (
            "2023-01-01",
            "2025-01-31",
            {"__all__": ["Export at most 366 days at a time."]},
        ),
    ],
)
def test_bad_dates_are_refused_with_a_message(staff_client, start, end, errors):
    response = staff_client.get(
        reverse("admin:payments_ledger_export"), {"start": start, "end": end}
    )
    assert response.status_code == 400
    assert not response.streaming
    assert response.context["form"].errors == errors
    assert _messages(response) == ["Please correct the dates below."]


def test_the_export_page_shows_the_form(staff_client):
    response = staff_client.get(reverse("admin:payments_ledger_export"))
    assert response.status_code == 200
    assert not response.context["form"].is_bound


def test_someone_not_staff_is_sent_to_the_login(client, customer, captured):
    client.force_login(customer)
    urls = [
        reverse("admin:payments_payment_changelist"),
        reverse("admin:payments_payment_change", args=[captured.pk]),
        reverse("admin:payments_reconciliation"),
        reverse("admin:payments_ledger_export") + "?start=2025-01-01&end=2025-01-02",
        _do(captured, "refund"),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("admin:login")), url
    refused = client.post(
        _do(captured, "refund"), {"key": key(), "amount": "1.00", "reason": "other"}
    )
    assert refused.status_code == 302
    assert Refund.objects.count() == 0


def test_staff_who_may_only_look_get_no_buttons(client, django_user_model, captured):
    viewer = django_user_model.objects.create_user(
        email="viewer@example.com", password="x" * 12, is_staff=True
    )
    viewer.user_permissions.add(Permission.objects.get(codename="view_payment"))
    client.force_login(viewer)
    page = client.get(reverse("admin:payments_payment_change", args=[captured.pk]))
    assert page.status_code == 200
    assert "buttons" not in page.context
    assert client.get(reverse("admin:payments_reconciliation")).status_code == 200
    posted = client.post(
        _do(captured, "refund"), {"key": key(), "amount": "1.00", "reason": "other"}
    )
    assert posted.status_code == 302
    assert Refund.objects.count() == 0


def test_the_order_page_links_to_its_payments(staff_client, captured, place):
    other = services.payment_authorize(
        order=place(), actor=None, idempotency_key=key(), token="tok_approve"
    )
    order = captured.order
    page = staff_client.get(reverse("admin:orders_order_change", args=[order.pk]))
    link = f"{reverse('admin:payments_payment_changelist')}?order={order.pk}"
    assert f'href="{link}"' in page.content.decode()
    listed = staff_client.get(link)
    assert [p.pk for p in listed.context["cl"].result_list] == [captured.pk]
    assert other.pk not in [p.pk for p in listed.context["cl"].result_list]


def test_the_payments_list_costs_the_same_for_more_rows(staff_client, place):
    url = reverse("admin:payments_payment_changelist")

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert staff_client.get(url).status_code == 200
        return len(ctx.captured_queries)

    services.payment_authorize(
        order=place(), actor=None, idempotency_key=key(), token="tok_approve"
    )
    one = queries()
    for _ in range(3):
        services.payment_authorize(
            order=place(), actor=None, idempotency_key=key(), token="tok_approve"
        )
    assert queries() == one


def test_a_saved_card_is_switched_off_by_the_action(staff_client, customer):
    method = services.payment_method_add(
        customer=customer,
        gateway="dummy",
        token="tok_saved_1",
        brand="visa",
        last4="4242",
        exp_month=12,
        exp_year=2030,
        actor=None,
    )
    url = reverse("admin:payments_paymentmethod_changelist")
    listed = staff_client.get(url)
    assert "tok_saved_1" not in listed.content.decode()
    staff_client.post(url, {"action": "deactivate", "_selected_action": [method.pk]})
    method.refresh_from_db()
    assert method.is_active is False and method.deactivated_at is not None
    assert PaymentMethod.objects.filter(is_active=True).count() == 0
    assert Payment.objects.count() == 0
