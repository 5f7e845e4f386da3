"""What staff configure for orders: delivery methods and webhook endpoints."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from ..errors import ShippingMethodInUse
from ..models import ShippingMethod, WebhookEndpoint

if TYPE_CHECKING:
    from apps.accounts.models import User


@transaction.atomic
def shipping_method_save(
    *, method: ShippingMethod, actor: User | None
) -> ShippingMethod:
    """Create or change a delivery method (orders keep the price they were placed with)."""
    method.full_clean()
    method.save()
    return method


@transaction.atomic
def shipping_method_delete(*, method: ShippingMethod, actor: User | None) -> None:
    """Delete a delivery method no order used; a used one can only be switched off."""
    if method.orders.exists():
        raise ShippingMethodInUse()
    method.delete()


@transaction.atomic
def webhook_endpoint_save(
    *, endpoint: WebhookEndpoint, actor: User | None
) -> WebhookEndpoint:
    """Create or change a webhook endpoint."""
    endpoint.full_clean()
    endpoint.save()
    return endpoint


@transaction.atomic
def webhook_endpoint_delete(*, endpoint: WebhookEndpoint, actor: User | None) -> None:
    """Remove an endpoint: it receives nothing more (its past deliveries stay recorded)."""
    endpoint.delete()
