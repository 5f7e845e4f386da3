"""Every model of the shop has a name a person reads: "Warehouse Berlin central (BER)",
"SKU-123 at Berlin central", never "7@1" or "Stock object (7)".

One unsaved example per model (related rows in memory, so no database is needed) and the name
it must show; a new model without an entry here fails the completeness test.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange

from apps.accounts.models import (
    AccountToken,
    Address,
    Lockout,
    Role,
    RolePermission,
    User,
    UserRole,
)
from apps.auditing.models import (
    AuditEvent,
    AuditEventWithPending,
    JobRun,
    QuarantinedCapture,
    ScheduleDeclaration,
)
from apps.catalog.models import (
    AttributeDefinition,
    Category,
    CategoryListing,
    OptionValue,
    Price,
    Product,
    ProductFacets,
    ProductImage,
    ProductOption,
    ProductRating,
    ProductSlug,
    ProductType,
    ProductVariant,
    PromotionalPrice,
    Review,
    SearchWord,
    TierPrice,
)
from apps.inventory.models import (
    LowStockAlert,
    PurchaseOrder,
    PurchaseOrderLine,
    Reservation,
    Stock,
    StockMovement,
    Supplier,
    Warehouse,
)
from apps.orders.models import (
    Delivery,
    Fulfilment,
    FulfilmentLine,
    IdempotencyKey,
    Order,
    OrderLine,
    OrderNote,
    OrderStatusChange,
    OutboxEvent,
    SalesDay,
    ShippingMethod,
    WebhookEndpoint,
)
from apps.payments.models import (
    Dispute,
    GatewayNotification,
    Payment,
    PaymentAttempt,
    PaymentMethod,
    PaymentTransaction,
    Refund,
)

AT = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)
ADA = User(pk=7, email="ada@example.com", full_name="Ada Lovelace")
SUPPORT = Role(pk=3, name="Support")
BERLIN = Warehouse(pk=1, code="ber", name="Berlin central")
SHIRTS = ProductType(pk=2, name="Shirt")
COLOUR = ProductOption(pk=4, product_type=SHIRTS, name="Colour")
SHIRT = Product(pk=11, name="Blue Oxford Shirt", product_type=SHIRTS)
VARIANT = ProductVariant(pk=21, product=SHIRT, sku="SKU-123", name="M / Blue")
STOCK = Stock(pk=31, variant=VARIANT, warehouse=BERLIN, on_hand=8, reserved=0)
ORDER = Order(pk=41, number="SO-2026-000041")
LINE = OrderLine(pk=51, order=ORDER, sku="SKU-123", quantity=2)
SUPPLIER = Supplier(pk=61, name="Nordic Textiles")


def _examples():
    """(example, the name it must show) for every model of the shop."""
    return [
        (ADA, "ada@example.com"),
        (
            Address(
                user=ADA,
                full_name="Ada Lovelace",
                line1="12 St James's Square",
                postal_code="SW1Y 4JH",
                city="London",
                country="GB",
            ),
            "Ada Lovelace, 12 St James's Square, SW1Y 4JH London, GB",
        ),
        (
            AccountToken(user=ADA, purpose="verify_email"),
            "Email verification token for ada@example.com",
        ),
        (SUPPORT, "Support"),
        (
            RolePermission(role=SUPPORT, permission=Permission(codename="view_order")),
            "Support — view_order",
        ),
        (UserRole(user=ADA, role=SUPPORT), "ada@example.com as Support"),
        (
            Lockout(scope="account", key="ada@example.com", locked_until=AT),
            "Account ada@example.com until 2026-03-01 09:30",
        ),
        (
            AuditEvent(
                action="update",
                table_name="catalog_product",
                row_pk="11",
                actor_kind="staff",
                actor_id=7,
                source="admin",
            ),
            "Update of catalog_product row 11 by staff 7 via admin",
        ),
        (
            AuditEventWithPending(action="login", actor_kind="customer", source="web"),
            "Login of application by customer via web",
        ),
        (
            QuarantinedCapture(id=5, sqlstate="23505"),
            "Quarantined capture 5 (SQLSTATE 23505)",
        ),
        (
            JobRun(job="expire_reservations", outcome="success", started_at=AT),
            "expire_reservations: success at 2026-03-01 09:30:00",
        ),
        (ScheduleDeclaration(name="expire reservations"), "expire reservations"),
        (Category(name="Shirts"), "Shirts"),
        (SHIRTS, "Shirt"),
        (COLOUR, "Shirt: Colour"),
        (OptionValue(option=COLOUR, value="Blue"), "Colour: Blue"),
        (
            AttributeDefinition(
                product_type=SHIRTS, key="weight_g", label="Weight", unit="g"
            ),
            "Weight (g)",
        ),
        (SHIRT, "Blue Oxford Shirt"),
        (ProductSlug(product=SHIRT, slug="blue-shirt"), "blue-shirt"),
        (
            SearchWord(word="headphones", stem="headphon", products=3),
            "headphones (3 products)",
        ),
        (
            CategoryListing(category_id=0, products=3, option_value_ids=[4, 5]),
            "the whole catalog: 3 products, 2 option values",
        ),
        (
            ProductFacets(product_id=7, option_value_ids=[4, 5]),
            "product 7: 2 option values",
        ),
        (VARIANT, "SKU-123 M / Blue"),
        (
            ProductImage(product=SHIRT, alt_text="Blue Oxford Shirt, front"),
            "Blue Oxford Shirt, front",
        ),
        (Price(variant=VARIANT, amount=Decimal("20.00"), currency="EUR"), "20.00 EUR"),
        (
            PromotionalPrice(
                variant=VARIANT,
                amount=Decimal("16.00"),
                currency="EUR",
                valid_during=DateTimeTZRange(AT, AT + dt.timedelta(days=14)),
                label="Spring sale",
            ),
            "Spring sale: 16.00 EUR from 2026-03-01 09:30 to 2026-03-15 09:30",
        ),
        (
            TierPrice(
                variant=VARIANT,
                min_quantity=3,
                amount=Decimal("18.00"),
                currency="EUR",
            ),
            "3+ at 18.00 EUR",
        ),
        (
            Review(product=SHIRT, user=ADA, rating=4),
            "4★ for Blue Oxford Shirt by Ada Lovelace",
        ),
        (
            ProductRating(product=SHIRT, average=Decimal("4.50"), count=2),
            "Rated 4.50 from 2 reviews",
        ),
        (BERLIN, "Warehouse Berlin central (BER)"),
        (STOCK, "SKU-123 at Berlin central"),
        (
            StockMovement(stock=STOCK, kind="receipt", quantity=5),
            "Receipt +5 of SKU-123 at Berlin central",
        ),
        (
            Reservation(
                stock=STOCK,
                variant_id=21,
                quantity=2,
                owner_type="order_line",
                owner_id="51",
                status="active",
            ),
            "2 × SKU-123 at Berlin central held for an order line (active)",
        ),
        (
            LowStockAlert(stock=STOCK, raised_at=AT),
            "Low stock of SKU-123 at Berlin central since 2026-03-01",
        ),
        (SUPPLIER, "Nordic Textiles"),
        (
            PurchaseOrder(pk=12, supplier=SUPPLIER, warehouse=BERLIN),
            "Purchase order PO-12",
        ),
        (
            PurchaseOrderLine(variant=VARIANT, quantity=40),
            "40 × SKU-123",
        ),
        (ShippingMethod(name="Standard"), "Standard"),
        (ORDER, "SO-2026-000041"),
        (LINE, "2 × SKU-123"),
        (
            OrderStatusChange(order=ORDER, from_status="pending", to_status="paid"),
            "pending → paid",
        ),
        (OrderNote(order=ORDER, body="Leave at the door"), "Leave at the door"),
        (
            Fulfilment(order=ORDER, carrier="DHL", tracking_number="JD0001"),
            "DHL JD0001",
        ),
        (FulfilmentLine(order_line=LINE, quantity=1), "1 × SKU-123"),
        (IdempotencyKey(key="checkout-abc"), "checkout-abc"),
        (
            OutboxEvent(topic="order.paid", aggregate_id="SO-2026-000041"),
            "order.paid SO-2026-000041",
        ),
        (WebhookEndpoint(url="https://example.com/hook"), "https://example.com/hook"),
        (
            Delivery(event_id=9, target="https://example.com/hook"),
            "9 → https://example.com/hook",
        ),
        (SalesDay(day=dt.date(2026, 3, 1)), "2026-03-01"),
        (PaymentMethod(brand="visa", last4="4242"), "visa •••• 4242"),
    ]


def _payments_examples():
    payment = Payment(gateway="dummy", amount=Decimal("20.00"), currency="EUR")
    return [
        (
            Payment(
                gateway="dummy",
                amount=Decimal("20.00"),
                currency="EUR",
                status="authorized",
            ),
            "dummy 20.00 EUR (authorized)",
        ),
        (
            PaymentAttempt(
                payment=payment, kind="capture", amount=Decimal("20.00"), status="ok"
            ),
            "capture 20.00 (ok)",
        ),
        (
            Dispute(payment=payment, gateway_reference="dp_1", status="open"),
            "dispute dp_1 (open)",
        ),
        (
            PaymentTransaction(
                payment=payment,
                kind="capture",
                amount=Decimal("20.00"),
                currency="EUR",
                outcome="succeeded",
            ),
            "capture 20.00 EUR (succeeded)",
        ),
        (
            Refund(payment=payment, amount=Decimal("5.00"), reason="damaged"),
            "refund 5.00 (damaged)",
        ),
        (
            GatewayNotification(
                gateway="dummy", type="dispute.opened", event_id="ev_1"
            ),
            "dummy dispute.opened ev_1 (new)",
        ),
    ]


EXAMPLES = _examples() + _payments_examples()
# Shapes that are ids, not names: "7@1", "#7", "Stock object (7)", "user 7", "variant 21".
RAW = re.compile(r"\d+@\d+|#\d+|object \(\d+\)|\b(?:user|variant|stock|line) \d+\b")


def _project_models():
    return {
        model
        for model in apps.get_models()
        if model.__module__.startswith("apps.")
        and not model.__name__.startswith("Historical")
    }


def test_every_model_of_the_shop_has_an_example_here():
    assert _project_models() - {type(example) for example, _ in EXAMPLES} == set()


@pytest.mark.parametrize(
    ("example", "name"),
    EXAMPLES,
    ids=[type(example).__name__ for example, _ in EXAMPLES],
)
def test_a_model_shows_a_name_a_person_reads(example, name):
    assert str(example) == name
    assert not RAW.search(name)


def test_the_raw_shape_check_finds_ids():
    assert RAW.search("7@1: 8 on hand, 0 reserved")
    assert RAW.search("catalog_product#7")
    assert RAW.search("Stock object (7)")
    assert not RAW.search("SKU-123 at Berlin central")
