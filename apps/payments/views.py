"""The storefront's pay step: after placing an order, its customer pays it here.

A decline shows the gateway's message on the same page, and the customer may try again with
another card while the order's stock stays reserved until the order expires. Each drawing
of the form carries a new idempotency key, so a double click charges once.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from apps.auditing.web_errors import errors_on_form
from apps.orders.models import Order
from apps.orders.notifications import guest_order_number, order_path

from . import services
from .errors import NotificationInvalid, PaymentError, PaymentPending
from .forms import CardForm, PayForm
from .gateway import gateway_get
from .models import PaymentMethod
from .notifications import notice_parse, notification_verify

# Shown next to the form: the customer may try again. A pending outcome has its own page.
PAY_ERRORS = {
    cls.code: None
    for cls in PaymentError.__subclasses__()
    if cls not in (PaymentPending, NotificationInvalid)
}

CARD_ERRORS = {
    code: "token"
    for code in ("card_not_saved", "card_number_refused", "payment_method_invalid")
}


def _pay(request, order: Order | None):
    if order is None:
        raise Http404("No such order.")
    if not order.is_open:
        messages.info(
            request, f"Order {order.number} is {order.get_status_display().lower()}."
        )
        return redirect(order_path(order))
    customer = order.customer if order.customer_id else None
    form = PayForm(
        request.POST or None,
        customer=customer,
        initial={"key": uuid.uuid4().hex},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        actor = request.user if request.user.is_authenticated else None
        with errors_on_form(form, fields=PAY_ERRORS):
            method = data.get("method")
            services.payment_authorize(
                order=order,
                actor=actor,
                idempotency_key=data["key"],
                method=method,
                token="" if method else data["token"],
            )
        if not form.errors:
            messages.success(request, f"Thank you! Order {order.number} is paid.")
            if data.get("save_card") and not method:
                _save_card(request, data["token"])
            return redirect(order_path(order))
        # A new key for the next try: the declined one is spent.
        form.data = {**form.data.dict(), "key": uuid.uuid4().hex}
    return render(
        request,
        "payments/pay.html",
        {"order": order, "form": form, "test_cards": gateway_get().name == "dummy"},
        status=402 if form.errors and request.method == "POST" else 200,
    )


def _save_card(request, token: str) -> None:
    try:
        card = services.payment_method_save(
            customer=request.user, token=token, actor=request.user
        )
    except PaymentError as exc:
        messages.warning(request, f"Your card was not saved: {exc.message}")
    else:
        messages.info(request, f"{card} is saved for next time.")


@login_required
@require_http_methods(["GET", "POST"])
def pay(request, number: str):
    return _pay(
        request, Order.objects.filter(number=number, customer=request.user).first()
    )


@require_http_methods(["GET", "POST"])
def guest_pay(request, token: str):
    number = guest_order_number(token)
    order = (
        Order.objects.filter(number=number, customer__isnull=True).first()
        if number
        else None
    )
    return _pay(request, order)


@login_required
@require_http_methods(["GET", "POST"])
def cards(request):
    """The customer's saved cards: each with brand, last four and expiry; add one."""
    form = CardForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with errors_on_form(form, fields=CARD_ERRORS):
            card = services.payment_method_save(
                customer=request.user,
                token=form.cleaned_data["token"],
                actor=request.user,
            )
        if not form.errors:
            messages.success(request, f"{card} is saved.")
            return redirect("payments:cards")
    saved = PaymentMethod.objects.filter(
        customer=request.user, is_active=True
    ).order_by("-created_at", "-id")
    return render(
        request,
        "payments/cards.html",
        {
            "cards": saved,
            "form": form,
            "test_cards": gateway_get().name == "dummy",
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def card_remove(request, pk: int):
    """Remove a saved card (switched off: payments made with it keep pointing at it)."""
    card = PaymentMethod.objects.filter(
        pk=pk, customer=request.user, is_active=True
    ).first()
    if card is None:
        raise Http404("No such card.")
    services.payment_method_deactivate(method=card, actor=request.user)
    messages.success(request, f"{card} is removed.")
    return redirect("payments:cards")


@csrf_exempt  # the gateway signs its requests instead (notification_verify)
@require_POST
def notification(request, gateway: str):
    """Receive one signed notification of the gateway: stored once, applied once.

    400 for a bad or stale signature or an unreadable body (nothing stored); 200 with the
    outcome otherwise, a replay included, so the gateway stops sending it.
    """
    if gateway != gateway_get().name:
        raise Http404("No such gateway.")
    body = request.body
    if not notification_verify(body, request.headers):
        return JsonResponse({"error": "signature_invalid"}, status=400)
    try:
        notice = notice_parse(body)
    except NotificationInvalid as exc:
        return JsonResponse({"error": exc.code, "message": exc.message}, status=400)
    received = services.notification_receive(gateway=gateway, notice=notice)
    return JsonResponse({"id": received.event_id, "outcome": received.outcome})
