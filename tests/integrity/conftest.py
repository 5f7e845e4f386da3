"""A small seeded shop for the breach tests of this package."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection, transaction


def _rows_the_demo_leaves_out() -> None:
    """One row in each audited table the demo shop leaves empty."""
    import datetime as dt
    from decimal import Decimal

    from django.db.models import F
    from django.utils import timezone

    from apps.accounts import services as accounts
    from apps.accounts.models import Lockout, Role
    from apps.catalog import services as catalog
    from apps.catalog.models import ProductVariant
    from apps.inventory.models import (
        PurchaseOrder,
        PurchaseOrderLine,
        Stock,
        Supplier,
        Warehouse,
    )
    from apps.inventory.services import stock_reserve
    from apps.inventory.services.stock import Line
    from tests.testapp.models import Part, Widget

    variant = ProductVariant.objects.order_by("pk").first()
    catalog.promotion_add(
        variant=variant, amount=Decimal("1.00"), start=timezone.now(), end=None
    )
    catalog.tier_set(variant=variant, min_quantity=10, amount=Decimal("1.00"))
    # Staff edits, which write the history tables.
    catalog.product_update(
        product=variant.product, name=f"{variant.product.name} (edited)"
    )
    catalog.variant_update(variant=variant, name=f"{variant.name} (edited)")
    catalog.price_set(variant=variant, amount=Decimal("2.00"))
    accounts.role_save(role=Role(name="Breach role"))
    supplier = Supplier.objects.create(name="Breach Supplies")
    order = PurchaseOrder.objects.create(
        supplier=supplier, warehouse=Warehouse.objects.order_by("pk").first()
    )
    PurchaseOrderLine.objects.create(purchase_order=order, variant=variant, quantity=1)
    available = Stock.objects.filter(on_hand__gt=F("reserved")).order_by("pk").first()
    stock_reserve(
        lines=[Line(variant_id=available.variant_id, quantity=1)], owner_type="breach"
    )
    Lockout.objects.create(
        scope="account",
        key="breach@example.com",
        locked_until=timezone.now() + dt.timedelta(minutes=5),
        failures=5,
    )
    Part.objects.create(widget=Widget.objects.create(name="breach"), label="p")
    from apps.accounts.models import User

    if not variant.product.reviews.exists():  # the demo reviews some products only
        catalog.review_submit(
            product=variant.product,
            actor=User.objects.filter(is_staff=False).order_by("pk").first(),
            rating=4,
            title="Breach review",
        )
    _an_order_through_its_life(variant)


def _an_order_through_its_life(variant) -> None:
    """An order placed, paid, half shipped, with a note, an event delivered and a webhook."""
    from decimal import Decimal

    from apps.inventory.models import Warehouse
    from apps.inventory.services import stock_for, stock_receive
    from apps.orders import services as orders
    from apps.orders.models import (
        Delivery,
        OutboxEvent,
        ShippingMethod,
        WebhookEndpoint,
    )

    stock_receive(
        stock=stock_for(
            variant_id=variant.pk, warehouse=Warehouse.objects.order_by("pk").first()
        ),
        quantity=20,
    )
    method = ShippingMethod.objects.create(name="Breach post", price=Decimal("3.00"))
    request = orders.CheckoutRequest(
        items={variant.pk: 12},
        email="breach@example.com",
        shipping_address={"full_name": "B", "city": "X", "country": "DE"},
        billing_address={"full_name": "B", "city": "X", "country": "DE"},
        shipping_method_id=method.pk,
    )
    # order_place is durable; here it runs inside the module's seeding transaction.
    order = orders.order_place.__wrapped__(
        idempotency_key="breach-key", request=request, actor=None
    )
    _a_payment_through_its_life(order)
    orders.fulfilment_create(
        order=order,
        quantities={order.lines.get().pk: 1},
        carrier="Post",
        actor=None,
    )
    orders.order_note_add(order=order, body="internal", actor=None)
    WebhookEndpoint.objects.create(url="http://127.0.0.1:9/", secret="s3cret")
    Delivery.objects.create(
        event=OutboxEvent.objects.order_by("pk").first(), target="breach"
    )


def _a_payment_through_its_life(order) -> None:
    """The order paid with a saved card: authorized (which pays the order), captured,
    partly refunded, disputed (the gateway's notification) and lost; each step as the services record it (their
    durable transactions unwrapped: this runs inside the seeding transaction)."""
    import datetime as dt
    from decimal import Decimal

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from apps.payments import services as payments
    from apps.payments.gateway import TOKEN_APPROVE, DummyGateway
    from apps.payments.models import Dispute, Payment
    from apps.payments.notifications import notice_parse

    customer = get_user_model().objects.order_by("pk").first()
    method = payments.payment_method_add(
        customer=customer,
        gateway="dummy",
        token=TOKEN_APPROVE,
        brand="visa",
        last4="4242",
        exp_month=12,
        exp_year=2030,
        actor=None,
    )
    payment = Payment.objects.create(
        order=order,
        method=method,
        gateway="dummy",
        currency=order.currency,
        amount=order.total,
    )

    def step(kind: str, amount: Decimal, key: str):
        if kind == "refund":
            attempt = payments.refund_record(
                payment=payment,
                amount=amount,
                reason="damaged",
                actor=None,
                idempotency_key=key,
            ).attempt
        else:
            attempt, _ = payments.attempt_record(
                payment=payment,
                kind=kind,
                amount=amount,
                idempotency_key=key,
                actor=None,
            )
        attempt.payment.refresh_from_db()
        result = payments.attempts.gateway_call(attempt, token=method.token)
        payments.attempt_settle.__wrapped__(attempt=attempt, result=result)
        payment.refresh_from_db()

    DummyGateway.reset()
    step("authorize", order.total, "breach-authorize")
    step("capture", order.total, "breach-capture")
    step("refund", Decimal("1.00"), "breach-refund")
    # The dispute as the gateway reports it: a signed notification, stored and applied.
    body, _headers = DummyGateway.notification(
        "dispute.opened",
        event_id="evt_breach_dispute",
        dispute="breach-dispute",
        reference=payment.gateway_reference,
        amount="2.00",
        respond_by=(timezone.now() + dt.timedelta(days=7)).isoformat(),
    )
    notification = payments.notification_receive(
        gateway="dummy", notice=notice_parse(body)
    )
    assert notification.outcome == "applied"
    dispute = Dispute.objects.get(gateway_reference="breach-dispute")
    payments.dispute_close(dispute=dispute, won=False, actor=None)


@pytest.fixture(scope="module")
def shop_rows(django_db_setup, django_db_blocker):
    """A small shop (people, a catalog with history, stock, a ledger), for this module only.

    Seeded once in a transaction that every test of the module runs inside (each test's own
    is a savepoint) and that is rolled back at the end, so no other module sees the rows.
    """
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            call_command("seed_demo", products=3, orders=0, verbosity=0)
            _rows_the_demo_leaves_out()
            with connection.cursor() as cursor:
                # Check the seeded foreign keys now: with their checks still pending,
                # PostgreSQL would refuse a TRUNCATE for that reason before any rule ran.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
