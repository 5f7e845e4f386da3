"""Checkout: address, delivery, review, place — then the order's page.

What the customer chose lives in the session until the order is placed; the cart stays in
Redis. The review page mints the idempotency key the place-order form carries, so a double
click, a retry or a reload of the POST places one order.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from apps.auditing.web_errors import errors_on_form

from .. import services
from ..cart import cart_clear, cart_items, cart_key_for
from ..errors import CartUnavailable, OrderError
from ..forms import AddressStepForm, DeliveryStepForm, PlaceOrderForm
from ..models import IdempotencyKey, ShippingMethod
from ..notifications import order_path
from ..totals import shipping_price

SESSION = "checkout"
# Every refusal of order_place shows at the top of the review page, except an unreachable
# cart, which has its own page (503).
PLACE_ERRORS = {
    cls.code: None for cls in OrderError.__subclasses__() if cls is not CartUnavailable
}


def _state(request) -> dict:
    return dict(request.session.get(SESSION, {}))


def _save(request, **changes) -> None:
    request.session[SESSION] = {**_state(request), **changes}


def _items(request) -> dict[int, int]:
    key = cart_key_for(request)
    return cart_items(key) if key else {}


def _gate(request):
    """Where the customer must go first, if anywhere: sign in, or back to a filled cart."""
    if not request.user.is_authenticated and not settings.ORDERS_GUEST_CHECKOUT:
        return redirect_to_login(request.get_full_path())
    if not _items(request):
        messages.info(request, "Your cart is empty.")
        return redirect("orders:cart")
    return None


def checkout(request):
    return redirect("orders:checkout-address")


@require_http_methods(["GET", "POST"])
def address_step(request):
    if gate := _gate(request):
        return gate
    state = _state(request)
    initial = {**state.get("shipping", {}), "email": state.get("email", "")}
    form = AddressStepForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        address = services.address_snapshot(form.address())
        email = (
            request.user.email
            if request.user.is_authenticated
            else form.cleaned_data["email"]
        )
        _save(request, shipping=address, billing=address, email=email)
        return redirect("orders:checkout-delivery")
    status = 400 if request.method == "POST" else 200
    return render(request, "checkout/address.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
def delivery_step(request):
    if gate := _gate(request):
        return gate
    state = _state(request)
    if "shipping" not in state:
        return redirect("orders:checkout-address")
    totals = services.checkout_totals(_items(request), None)
    form = DeliveryStepForm(
        request.POST or None, initial={"method": state.get("method")}
    )
    if request.method == "POST" and form.is_valid():
        _save(request, method=form.cleaned_data["method"].pk)
        return redirect("orders:checkout-review")
    methods = [
        (
            method,
            shipping_price(
                price=method.price, free_above=method.free_above, goods=totals.goods
            ),
        )
        for method in ShippingMethod.objects.filter(is_active=True)
    ]
    return render(
        request,
        "checkout/delivery.html",
        {"form": form, "methods": methods, "totals": totals},
        status=400 if request.method == "POST" else 200,
    )


def _review(request, form: PlaceOrderForm | None = None, status: int = 200):
    state = _state(request)
    if "shipping" not in state:
        return redirect("orders:checkout-address")
    method = ShippingMethod.objects.filter(
        pk=state.get("method"), is_active=True
    ).first()
    if method is None:
        return redirect("orders:checkout-delivery")
    totals = services.checkout_totals(_items(request), method)
    refusal = None
    try:
        services.rules_check(totals)
    except OrderError as exc:
        refusal = exc.message
    form = form or PlaceOrderForm(initial={"key": uuid.uuid4().hex})
    return render(
        request,
        "checkout/review.html",
        {
            "form": form,
            "totals": totals,
            "method": method,
            "state": state,
            "refusal": refusal,
        },
        status=status,
    )


@require_http_methods(["GET"])
def review(request):
    if gate := _gate(request):
        return gate
    return _review(request)


def _placed_with(key: str):
    claimed = (
        IdempotencyKey.objects.filter(key=key, order__isnull=False)
        .select_related("order")
        .first()
    )
    return claimed.order if claimed else None


@require_POST
def place(request):
    form = PlaceOrderForm(request.POST)
    if form.is_valid() and (done := _placed_with(form.cleaned_data["key"])):
        # The same click again after it succeeded (the cart is empty by now): its order.
        return redirect(order_path(done))
    if gate := _gate(request):
        return gate
    state = _state(request)
    if not form.is_valid() or "method" not in state:
        return _review(request, PlaceOrderForm(initial={"key": uuid.uuid4().hex}), 400)
    checkout_request = services.CheckoutRequest(
        items=_items(request),
        email=state["email"],
        shipping_address=state["shipping"],
        billing_address=state["billing"],
        shipping_method_id=state["method"],
    )
    actor = request.user if request.user.is_authenticated else None
    order = None
    with errors_on_form(form, fields=PLACE_ERRORS):
        order = services.order_place(
            idempotency_key=form.cleaned_data["key"],
            request=checkout_request,
            actor=actor,
        )
    if order is None:
        return _review(request, form, 400)
    if key := cart_key_for(request):
        cart_clear(key)
    request.session.pop(SESSION, None)
    messages.success(
        request,
        f"Thank you! Your order {order.number} is placed and waits for payment.",
    )
    return redirect(order_path(order))
