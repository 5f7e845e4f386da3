"""Every customer-facing page that names an object answers 404 for another customer's.

The test walks the URL patterns of the storefront's customer apps: a pattern with a
parameter must be listed below, either with how to name another customer's object or with
why it names none, so a new page cannot be added without its access being tested.
"""

from __future__ import annotations

import uuid

import pytest
from django.urls import get_resolver, reverse

from apps.accounts import services as accounts
from apps.accounts.models import Address
from apps.orders import services as orders
from apps.orders.models import Order
from apps.orders.notifications import guest_order_token
from apps.payments import services as payments
from apps.payments.models import PaymentMethod
from tests.orders.conftest import (  # noqa: F401 - fixtures
    checkout,
    shipping_method,
    stocked_variant,
    warehouse,
)

pytestmark = pytest.mark.django_db

NAMESPACES = ("account", "orders", "payments")

# Pages that name an object of a customer: how to name the other customer's.
OBJECT_PAGES = {
    "account:address-edit": lambda theirs: [theirs["address"].pk],
    "account:address-delete": lambda theirs: [theirs["address"].pk],
    "account:address-default": lambda theirs: [theirs["address"].pk],
    "orders:detail": lambda theirs: [theirs["order"].number],
    "orders:cancel": lambda theirs: [theirs["order"].number],
    # A guest link made for a customer's order does not open it.
    "orders:guest": lambda theirs: [guest_order_token(theirs["order"])],
    "orders:guest-cancel": lambda theirs: [guest_order_token(theirs["order"])],
    "payments:pay": lambda theirs: [theirs["order"].number],
    "payments:guest-pay": lambda theirs: [guest_order_token(theirs["order"])],
    "payments:card-remove": lambda theirs: [theirs["card"].pk],
}
# Parameters that name nothing of another customer, and why.
NOT_OBJECTS = {
    "account:verify": "a signed single-use token, not an object id (tests/accounts)",
    "account:password-reset-confirm": "a signed single-use token (tests/accounts)",
    "orders:cart-line": "a line of the visitor's own cart, kept in their session",
    "orders:cart-remove": "a line of the visitor's own cart, kept in their session",
    "payments:notification": "the gateway's endpoint, signed by the gateway (tests/payments)",
}


def _patterns() -> list[str]:
    names = []
    for namespace in NAMESPACES:
        resolver = get_resolver().namespace_dict[namespace][1]
        names += [
            f"{namespace}:{p.name}"
            for p in resolver.url_patterns
            if p.name and p.pattern.converters
        ]
    return sorted(names)


def test_every_page_with_a_parameter_is_classified():
    assert set(_patterns()) == set(OBJECT_PAGES) | set(NOT_OBJECTS)


@pytest.fixture
def theirs(django_user_model, stocked_variant, checkout):  # noqa: F811
    other = django_user_model.objects.create_user(
        email="other@example.com", password="correct horse battery"
    )
    address = accounts.address_create(
        user=other,
        data={
            "kind": "shipping",
            "full_name": "Olga Other",
            "line1": "1 Elsewhere",
            "city": "Leeds",
            "postal_code": "LS1 1AA",
            "country": "GB",
        },
        actor=other,
    )
    order = orders.order_place(
        idempotency_key=uuid.uuid4().hex,
        request=checkout({stocked_variant(price="20.00"): 1}),
        actor=other,
    )
    card = payments.payment_method_save(
        customer=other, token="tok_approve", actor=other
    )
    return {"user": other, "address": address, "order": order, "card": card}


def _state(theirs) -> tuple:
    address = Address.all_objects.get(pk=theirs["address"].pk)
    return (
        (address.full_name, address.is_default, address.deleted_at),
        Order.objects.filter(pk=theirs["order"].pk).values_list("status").get(),
        PaymentMethod.objects.filter(pk=theirs["card"].pk)
        .values_list("is_active")
        .get(),
        theirs["order"].payments.count(),
    )


@pytest.mark.parametrize("name", sorted(OBJECT_PAGES))
@pytest.mark.parametrize("visitor", ["customer", "anonymous"])
def test_another_customers_object_answers_404_and_stays_as_it_was(
    name, visitor, client, customer, theirs
):
    if visitor == "customer":
        client.force_login(customer)
    url = reverse(name, args=OBJECT_PAGES[name](theirs))
    before = _state(theirs)
    answers = {
        client.get(url).status_code,
        client.post(
            url,
            {
                "full_name": "Mallory",
                "line1": "x",
                "city": "x",
                "postal_code": "x",
                "country": "GB",
                "kind": "shipping",
                "key": uuid.uuid4().hex,
                "token": "tok_approve",
                "reason": "x",
            },
        ).status_code,
    }
    if visitor == "anonymous" and not name.startswith(
        ("orders:guest", "payments:guest")
    ):
        # Signed-out visitors are sent to sign in (or refused) before anything is looked up.
        assert answers <= {302, 404, 405}
    else:
        assert answers <= {404, 405} and 404 in answers
    assert _state(theirs) == before
