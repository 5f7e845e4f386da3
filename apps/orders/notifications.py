"""What the customer hears: the order confirmation mail, an in-process outbox handler.

Guests have no account page, so their mail carries a signed link to the order
(`guest_order_token`), valid for ORDERS_GUEST_LINK_DAYS.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from .models import Order, OutboxEvent
from .outbox import outbox_handler

GUEST_LINK_SALT = "orders.guest-link"


def guest_order_token(order: Order) -> str:
    return signing.dumps({"n": order.number}, salt=GUEST_LINK_SALT, compress=True)


def guest_order_number(token: str) -> str | None:
    """The order number a guest link names, or None when it is forged or too old."""
    max_age = settings.ORDERS_GUEST_LINK_DAYS * 24 * 3600
    try:
        return signing.loads(token, salt=GUEST_LINK_SALT, max_age=max_age)["n"]
    except (signing.BadSignature, KeyError, TypeError):
        return None


def order_path(order: Order) -> str:
    """Where the customer sees the order: their account page, or the guest's signed link."""
    if order.customer_id:
        return reverse("orders:detail", args=[order.number])
    return reverse("orders:guest", args=[guest_order_token(order)])


def order_url(order: Order) -> str:
    """`order_path` as a link for a mail."""
    return settings.SITE_URL.rstrip("/") + order_path(order)


@outbox_handler("order.placed", "email.order_confirmation")
def order_confirmation_send(event: OutboxEvent) -> None:
    order = (
        Order.objects.prefetch_related("lines")
        .filter(number=event.payload["data"]["number"])
        .first()
    )
    if order is None:
        return
    context = {
        "order": order,
        "lines": order.lines.all(),
        "url": order_url(order),
        "window_minutes": settings.ORDERS_PAYMENT_WINDOW // 60,
    }
    send_mail(
        subject=f"Your order {order.number}",
        message=render_to_string("orders/email/confirmation.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[order.email],
    )
