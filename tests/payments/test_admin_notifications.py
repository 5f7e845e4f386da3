"""The gateway's notifications in the back office: read-only, and applied again on demand."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from apps.payments import services
from apps.payments.errors import PaymentPending
from apps.payments.gateway import TOKEN_APPROVE
from apps.payments.models import GatewayNotification, PaymentAttempt, PaymentTransaction

from .conftest import key

pytestmark = pytest.mark.django_db

LIST = reverse("admin:payments_gatewaynotification_changelist")


def _detail(notification) -> str:
    return reverse("admin:payments_gatewaynotification_change", args=[notification.pk])


def _stored(gateway, type: str, *, age: int = 120, **data) -> GatewayNotification:
    """A notification stored `age` seconds ago by a worker that stopped before applying it."""
    body, _headers = gateway.notification(type, **data)
    payload = json.loads(body)
    return GatewayNotification.objects.create(
        gateway="dummy",
        event_id=payload["id"],
        type=payload["type"],
        payload=payload,
        received_at=timezone.now() - dt.timedelta(seconds=age),
    )


def _processed(gateway, type: str = "payout.paid", **data) -> GatewayNotification:
    notification = _stored(gateway, type, **data)
    services.notification_apply(notification=notification, actor=None)
    return notification


def _lost_authorization(order, gateway) -> PaymentAttempt:
    gateway.fail_next("authorize", "network_error")
    with pytest.raises(PaymentPending):
        services.payment_authorize(
            order=order, actor=None, idempotency_key=key(), token=TOKEN_APPROVE
        )
    return PaymentAttempt.objects.get(payment__order=order)


def _listed(response) -> list[int]:
    return [n.pk for n in response.context["cl"].result_list]


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _outcomes() -> list[tuple]:
    return list(
        GatewayNotification.objects.order_by("id").values_list(
            "processed_at", "outcome", "error"
        )
    )


# --- the list and the record --------------------------------------------------------------


def test_the_list_shows_every_column_in_a_fixed_number_of_queries(
    staff_client, gateway, django_assert_num_queries
):
    # given
    ignored = _processed(gateway, amount=125)
    rejected = _processed(gateway, "charge.succeeded", idempotency_key="nobody")
    unprocessed = _stored(gateway, "payout.paid", age=5)
    # when: session, user, the staff member's second factor, the estimate and capped
    # count, the page's rows
    with django_assert_num_queries(6):
        response = staff_client.get(LIST)
    # then
    assert response.status_code == 200
    assert _listed(response) == [unprocessed.pk, rejected.pk, ignored.pk]
    html = response.content.decode()
    assert "no payment attempt has this idempotency key" in html
    assert rejected.event_id in html and "unprocessed" in html
    # more rows cost the same
    for _ in range(3):
        _processed(gateway)
    with django_assert_num_queries(6):
        assert staff_client.get(LIST).status_code == 200


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"processed": "no"}, ["unprocessed"]),
        ({"processed": "yes"}, ["rejected", "ignored"]),
        ({"outcome": "rejected"}, ["rejected"]),
        ({"outcome": "ignored"}, ["ignored"]),
        ({"type": "charge.succeeded"}, ["rejected"]),
        ({"gateway": "dummy"}, ["unprocessed", "rejected", "ignored"]),
        ({"type": "x" * 500}, ["unprocessed", "rejected", "ignored"]),
    ],
)
def test_the_filters(staff_client, gateway, query, expected):
    rows = {
        "ignored": _processed(gateway),
        "rejected": _processed(gateway, "charge.succeeded", idempotency_key="nobody"),
        "unprocessed": _stored(gateway, "payout.paid", age=5),
    }
    response = staff_client.get(LIST, query)
    assert response.status_code == 200
    assert _listed(response) == [rows[name].pk for name in expected]


def test_search_finds_one_event_by_its_id(staff_client, gateway):
    wanted = _processed(gateway)
    _processed(gateway)
    found = staff_client.get(LIST, {"q": f" {wanted.event_id} "})
    assert _listed(found) == [wanted.pk]
    assert _listed(staff_client.get(LIST, {"q": wanted.event_id[:10]})) == []
    # A NUL in the search is refused before the admin runs (BadInputMiddleware).
    odd = staff_client.get(LIST, {"q": "evt\x00"})
    assert odd.status_code == 400


def test_the_record_shows_the_payload_pretty_printed_and_its_payment(
    staff_client, order, gateway, django_assert_num_queries
):
    attempt = _lost_authorization(order, gateway)
    notification = _stored(
        gateway, "charge.succeeded", idempotency_key=attempt.idempotency_key
    )
    staff_client.get(_detail(notification))  # the content type is cached after this
    # session, user, the second factor, the row, the payment it names (with its order)
    with django_assert_num_queries(5):
        page = staff_client.get(_detail(notification))
    assert page.status_code == 200
    html = page.content.decode()
    pretty = json.dumps(notification.payload, indent=2, sort_keys=True)
    assert "<pre>" + pretty.replace('"', "&quot;") + "</pre>" in html
    payment = attempt.payment
    assert reverse("admin:payments_payment_change", args=[payment.pk]) in html
    assert order.number in html
    # read-only: no save button, no form to post
    assert 'name="_save"' not in html


def test_nobody_adds_changes_or_deletes_a_notification(staff_client, gateway):
    notification = _processed(gateway)
    before = _outcomes()
    add = staff_client.get(reverse("admin:payments_gatewaynotification_add"))
    delete = staff_client.post(
        reverse("admin:payments_gatewaynotification_delete", args=[notification.pk]),
        {"post": "yes"},
    )
    change = staff_client.post(_detail(notification), {"error": "edited"})
    bulk = staff_client.post(
        LIST, {"action": "delete_selected", "_selected_action": [notification.pk]}
    )
    assert (add.status_code, delete.status_code, change.status_code) == (
        403,
        403,
        403,
    )
    listed = staff_client.get(LIST)
    actions = [
        name for name, _ in listed.context["action_form"].fields["action"].choices
    ]
    assert actions == ["", "apply_again"]
    assert bulk.status_code == 302  # no such action: nothing done
    assert _outcomes() == before
    assert GatewayNotification.objects.count() == 1


def test_someone_not_staff_is_sent_to_the_login(client, customer, gateway):
    notification = _stored(gateway, "payout.paid")
    client.force_login(customer)
    for url in (LIST, _detail(notification)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
    client.post(LIST, {"action": "apply_again", "_selected_action": [notification.pk]})
    notification.refresh_from_db()
    assert notification.processed_at is None


# --- "Apply again now" ------------------------------------------------------------------------


def test_the_action_applies_the_unprocessed_ones_and_leaves_the_rest(
    staff_client, order, gateway, staff
):
    # given: one stopped before applying, one already processed
    attempt = _lost_authorization(order, gateway)
    stopped = _stored(
        gateway, "charge.succeeded", age=5, idempotency_key=attempt.idempotency_key
    )
    done = _processed(gateway)
    done_before = GatewayNotification.objects.filter(pk=done.pk).values_list(
        "processed_at", "outcome"
    )[0]
    # when
    response = staff_client.post(
        LIST,
        {"action": "apply_again", "_selected_action": [stopped.pk, done.pk]},
    )
    # then
    assert response.status_code == 302
    assert _messages(response) == [
        "1 notification(s) processed (applied: 1); 1 left as they were."
    ]
    stopped.refresh_from_db()
    assert (stopped.outcome, stopped.error) == ("applied", "")
    order.refresh_from_db()
    assert order.status == "paid"
    assert list(PaymentTransaction.objects.values_list("kind", "outcome")) == [
        ("authorize", "succeeded")
    ]
    assert (
        GatewayNotification.objects.filter(pk=done.pk).values_list(
            "processed_at", "outcome"
        )[0]
        == done_before
    )
    # The same action again changes nothing.
    again = staff_client.post(
        LIST, {"action": "apply_again", "_selected_action": [stopped.pk]}
    )
    assert _messages(again)[-1] == "0 notification(s) processed; 1 left as they were."
    assert PaymentTransaction.objects.count() == 1


def test_staff_without_the_permission_may_look_but_not_apply(
    client, django_user_model, gateway
):
    viewer = django_user_model.objects.create_user(
        email="viewer@example.com", password="x" * 12, is_staff=True
    )
    viewer.user_permissions.add(
        Permission.objects.get(codename="view_gatewaynotification")
    )
    client.force_login(viewer)
    notification = _stored(gateway, "payout.paid")
    listed = client.get(LIST)
    assert listed.status_code == 200
    assert "action_form" not in listed.context or listed.context["action_form"] is None
    assert client.get(_detail(notification)).status_code == 200
    client.post(LIST, {"action": "apply_again", "_selected_action": [notification.pk]})
    notification.refresh_from_db()
    assert (notification.processed_at, notification.outcome) == (None, "")
    # granted the permission, the action is there and works
    viewer.user_permissions.add(
        Permission.objects.get(codename="apply_gatewaynotification")
    )
    client.post(LIST, {"action": "apply_again", "_selected_action": [notification.pk]})
    notification.refresh_from_db()
    assert notification.outcome == "ignored"
