"""Every storefront form, posted bad values of each class (docs/security.md, "Bad input"):
never a 5xx, never a row changed.

The storefront's URL patterns are collected from the URLconf: each must say here which page
draws its forms (PAGES) or why it has none of its own (NO_PAGE), so a new page fails this
test until it is fuzzed too.
"""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from apps.accounts.models import Address, User
from apps.catalog.models import Category, Product, ProductVariant
from apps.demo.accounts import DEMO_CUSTOMERS
from apps.orders.models import Order

from .harness import BAD_JSON, NUL_TEXT, Fuzzer, form_fields, fuzz_form
from .html_forms import page_forms

pytestmark = pytest.mark.django_db

# url name -> (who looks, how its URL is made from the shop's rows)
PAGES = {
    "home": ("anonymous", lambda s: reverse("home")),
    "account:sign-up": ("anonymous", lambda s: reverse("account:sign-up")),
    "account:sign-in": ("anonymous", lambda s: reverse("account:sign-in")),
    "account:password-reset": (
        "anonymous",
        lambda s: reverse("account:password-reset"),
    ),
    "account:home": ("customer", lambda s: reverse("account:home")),
    "account:password-change": (
        "customer",
        lambda s: reverse("account:password-change"),
    ),
    "account:preferences": ("customer", lambda s: reverse("account:preferences")),
    "account:addresses": ("customer", lambda s: reverse("account:addresses")),
    "account:address-add": ("customer", lambda s: reverse("account:address-add")),
    "account:address-edit": (
        "customer",
        lambda s: reverse("account:address-edit", args=[s["address"].pk]),
    ),
    "catalog:category": (
        "anonymous",
        lambda s: reverse("catalog:category", args=[s["category"].slug]),
    ),
    "catalog:product": (
        "customer",
        lambda s: reverse("catalog:product", args=[s["product"].slug]),
    ),
    "catalog:search": ("anonymous", lambda s: reverse("catalog:search") + "?q=lamp"),
    "orders:cart": ("customer", lambda s: reverse("orders:cart")),
    "orders:checkout-address": (
        "customer",
        lambda s: reverse("orders:checkout-address"),
    ),
    "orders:checkout-delivery": (
        "customer",
        lambda s: reverse("orders:checkout-delivery"),
    ),
    "orders:checkout-review": ("customer", lambda s: reverse("orders:checkout-review")),
    "orders:list": ("customer", lambda s: reverse("orders:list")),
    "orders:detail": (
        "customer",
        lambda s: reverse("orders:detail", args=[s["order"].number]),
    ),
    "payments:pay": (
        "customer",
        lambda s: reverse("payments:pay", args=[s["order"].number]),
    ),
    "payments:cards": ("customer", lambda s: reverse("payments:cards")),
}
# Reached through the forms of the pages above, or no form of their own.
NO_PAGE = {
    "ping": "a liveness answer",
    "healthz": "a readiness answer",
    "healthz-live": "a liveness answer",
    "healthz-ready": "a readiness answer",
    "payments:card-remove": "a button on payments:cards",
    "test-widget-lifecycle": "the test app's page",
    "account:sign-out": "a button on every page (signs the customer out)",
    "account:verify": "a link from a mail (an unknown token is refused)",
    "account:verify-resend": "a button on account:home",
    "account:password-reset-confirm": "a link from a mail",
    "account:address-delete": "a button on account:addresses",
    "account:address-default": "a button on account:addresses",
    "account:export": "a download",
    "orders:cart-add": "the form on catalog:product",
    "orders:cart-line": "the forms on orders:cart",
    "orders:cart-remove": "the forms on orders:cart",
    "orders:checkout": "redirects to the first step",
    "orders:checkout-place": "the form on orders:checkout-review",
    "orders:guest": "a link from a mail",
    "orders:guest-cancel": "a link from a mail",
    "orders:cancel": "the form on orders:detail",
    "payments:guest-pay": "a link from a mail",
    "payments:notification": "JSON from the gateway: test_gateway_notifications_...",
}


def _names(patterns, namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.app_name == "admin":
                continue
            ns = pattern.namespace
            yield from _names(
                pattern.url_patterns, f"{namespace}{ns}:" if ns else namespace
            )
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield namespace + pattern.name


def test_every_storefront_url_is_fuzzed_or_says_why_not():
    names = set(_names(get_resolver().url_patterns))
    assert names - set(PAGES) - set(NO_PAGE) == set()
    assert set(PAGES) | set(NO_PAGE) <= names


@pytest.fixture
def shop(db):
    call_command("seed_demo", products=3, orders=12, stdout=StringIO())
    customer = User.objects.get(email=DEMO_CUSTOMERS[0][0])
    return {
        "customer": customer,
        "address": Address.objects.filter(user=customer).first(),
        "category": Category.objects.filter(parent__isnull=True).first(),
        "product": Product.objects.filter(status="active").first(),
        "order": Order.objects.filter(customer=customer).order_by("-pk").first(),
    }


def test_storefront_forms_answer_bad_input_without_5xx_or_a_changed_row(
    shop, client, django_user_model
):
    # A cart with a line: the cart and checkout pages draw their forms.
    client.force_login(shop["customer"])
    variant = ProductVariant.objects.filter(product=shop["product"]).first()
    client.post(reverse("orders:cart-add"), {"variant": variant.pk, "quantity": "1"})
    customer_session = client.cookies["sessionid"].value
    fuzzer = Fuzzer(client)
    forms_seen = 0
    for name, (who, url_of) in PAGES.items():
        if who == "anonymous":
            client.cookies.pop("sessionid", None)
        else:
            client.cookies["sessionid"] = customer_session
        url = url_of(shop)
        page = client.get(url)
        assert page.status_code < 500, url
        if page.status_code != 200 or page.streaming:
            continue
        fields = form_fields(page.context)
        for form in page_forms(page.content.decode()):
            action = form.action or url
            if action == reverse("account:sign-out"):
                continue
            forms_seen += 1
            if form.method == "get":
                fuzzer.attempt(
                    f"{name} GET {action}", "get", action, form.data(q=NUL_TEXT[0])
                )
                continue
            fuzz_form(fuzzer, f"{name} → {action}", action, form, fields)
    assert forms_seen >= len(PAGES)
    assert fuzzer.failures == []


def test_gateway_notifications_with_bad_json_change_nothing(shop, client):
    fuzzer = Fuzzer(client)
    url = reverse("payments:notification", args=["dummy"])
    for body in [*BAD_JSON, '{"event": "a\x00"}']:
        fuzzer.attempt(
            f"notification {body[:20]!r}",
            "post",
            url,
            body,
            content_type="application/json",
        )
    response = client.post(
        url, json.dumps({"id": "\x00"}), content_type="application/json"
    )
    assert response.status_code == 400
    assert fuzzer.failures == []
