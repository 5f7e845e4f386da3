"""A customer's orders: the list, one order with its timeline, cancelling a pending one.

Another customer's order is a 404, never a 403: its existence is not confirmed. A guest
reaches their order through the signed link of the confirmation mail.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from .. import selectors, services
from ..forms import CancelForm
from ..models import Order
from ..notifications import guest_order_number, order_path
from ..payments_port import payments_port

PAGE_SIZE = 20


@login_required
def order_list(request):
    paginator = Paginator(selectors.orders_for_customer(request.user), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "orders/list.html", {"page": page})


def _page(request, order: Order | None, cancel_url: str, guest_token: str = ""):
    if order is None:
        raise Http404("No such order.")
    return render(
        request,
        "orders/detail.html",
        {
            "order": order,
            "cancel_url": cancel_url if order.is_open else "",
            "form": CancelForm(),
            "guest_token": guest_token,
            "payments": payments_port().summary(order=order),
        },
    )


@login_required
def order_detail(request, number: str):
    order = selectors.order_detail(number=number, customer=request.user)
    return _page(request, order, f"{request.path}cancel/")


def _guest_order(token: str) -> Order | None:
    number = guest_order_number(token)
    if number is None:
        return None
    return selectors.order_detail(number=number, customer__isnull=True)


def guest_order_detail(request, token: str):
    return _page(request, _guest_order(token), f"{request.path}cancel/", token)


def _cancel(request, order: Order | None):
    if order is None:
        raise Http404("No such order.")
    form = CancelForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    actor = request.user if request.user.is_authenticated else None
    services.order_cancel(
        order=order, actor=actor, reason=reason or "cancelled by the customer"
    )
    messages.success(request, f"Order {order.number} is cancelled.")
    return redirect(order_path(order))


@login_required
@require_POST
def order_cancel(request, number: str):
    order = Order.objects.filter(
        number=number, customer=request.user, status="pending"
    ).first()
    if (
        order is None
        and Order.objects.filter(number=number, customer=request.user).exists()
    ):
        messages.error(
            request, "Only an order waiting for payment can be cancelled here."
        )
        return redirect("orders:detail", number=number)
    return _cancel(request, order)


@require_POST
def guest_order_cancel(request, token: str):
    order = _guest_order(token)
    if order is not None and not order.is_open:
        messages.error(
            request, "Only an order waiting for payment can be cancelled here."
        )
        return redirect(order_path(order))
    return _cancel(request, order)
