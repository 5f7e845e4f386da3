"""Orders' share of a person's data: exported with their account, pseudonymised at erasure.

An erased customer's orders stay (financial records are kept), with the email and the
addresses replaced; the country stays, since the tax charged depended on it. Registered with
accounts' GDPR registry from OrdersConfig.ready, so accounts never imports orders.
"""

from __future__ import annotations

from typing import Any

from .models import Order

ERASED_ADDRESS = {"full_name": "[erased]", "line1": "[erased]", "city": "[erased]"}


def orders_export(user) -> list[dict[str, Any]]:
    """A customer's orders as they see them, for the data export."""
    return [
        {
            "number": order.number,
            "placed_at": order.placed_at.isoformat(),
            "status": order.status,
            "email": order.email,
            "currency": order.currency,
            "total": str(order.total),
            "shipping_address": order.shipping_address,
            "billing_address": order.billing_address,
            "lines": [
                {
                    "sku": line.sku,
                    "product": line.product_name,
                    "quantity": line.quantity,
                    "line_total": str(line.line_total),
                }
                for line in order.lines.all()
            ],
        }
        for order in Order.objects.filter(customer=user)
        .prefetch_related("lines")
        .order_by("placed_at", "id")
    ]


PERSONAL = ("full_name", "company", "line1", "line2", "city", "postal_code", "phone")


def orders_personal_terms(user) -> list[str]:
    """The emails and address values on a customer's orders (before they are erased)."""
    terms = set()
    for email, *addresses in Order.objects.filter(customer=user).values_list(
        "email", "shipping_address", "billing_address"
    ):
        terms.add(email)
        for address in addresses:
            terms.update(str(address.get(name) or "") for name in PERSONAL)
    return sorted(t for t in terms if t)


def orders_erase(user) -> list[tuple[str, Any]]:
    """Replace the email and addresses on a customer's orders; returns the rows touched."""
    touched = []
    for order in Order.objects.select_for_update().filter(customer=user).order_by("pk"):
        order.email = f"erased-{user.pk}@erased.invalid"
        order.shipping_address = {
            **ERASED_ADDRESS,
            "country": order.shipping_address.get("country", ""),
        }
        order.billing_address = {
            **ERASED_ADDRESS,
            "country": order.billing_address.get("country", ""),
        }
        order.save(update_fields=["email", "shipping_address", "billing_address"])
        touched.append(("orders_order", order.pk))
    return touched
