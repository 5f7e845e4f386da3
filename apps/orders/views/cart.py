"""The cart page and its forms: add (from the product page), change a quantity, remove.

Refusals raise `CartLineInvalid` (400) or `CartUnavailable` (503, Redis down); the middleware
(`apps.auditing.web_errors`) answers them with their page, and nothing is changed.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from .. import cart_services
from ..cart import cart_key_for
from ..errors import CartLineInvalid
from ..forms import CartLineForm


def _valid(form: CartLineForm) -> tuple[int, int | None]:
    if not form.is_valid():
        raise CartLineInvalid(form.first_error())
    return form.cleaned_data["variant"], form.cleaned_data["quantity"]


@require_GET
@never_cache
def cart_page(request):
    """Every line priced now, with what changed since it was added."""
    review = cart_services.cart_review(cart_key_for(request))
    return render(
        request,
        "cart/cart.html",
        {
            "review": review,
            "totals": review.totals,
            "max_quantity": settings.ORDERS_MAX_ITEMS,
        },
    )


@require_POST
def cart_add(request):
    variant_id, quantity = _valid(CartLineForm(request.POST))
    cart_services.cart_line_add(
        key=cart_key_for(request, create=True),
        variant_id=variant_id,
        quantity=quantity,
    )
    messages.success(request, "Added to your cart.")
    return redirect("orders:cart")


@require_POST
def line_set(request, variant: str):
    data = {"variant": variant, "quantity": request.POST.get("quantity", "")}
    variant_id, quantity = _valid(CartLineForm(data))
    key = cart_key_for(request)
    if key is None:
        raise CartLineInvalid("This item is not in your cart.")
    cart_services.cart_line_set(key=key, variant_id=variant_id, quantity=quantity)
    messages.success(request, "Quantity updated.")
    return redirect("orders:cart")


@require_POST
def line_remove(request, variant: str):
    variant_id, _ = _valid(CartLineForm({"variant": variant}, quantity_required=False))
    key = cart_key_for(request)
    if key is None:
        raise CartLineInvalid("This item is not in your cart.")
    cart_services.cart_line_remove(key=key, variant_id=variant_id)
    messages.success(request, "Removed from your cart.")
    return redirect("orders:cart")
