"""Stock never negative, never over-reserved, and the ledger adds up: the database refuses otherwise."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from apps.catalog.models import Product, ProductVariant
from apps.inventory import selectors, services
from apps.inventory.errors import (
    OutOfStock,
    PurchaseOrderStatusInvalid,
    ReservationLimit,
    ReservationNotActive,
    StockChangeInvalid,
)
from apps.inventory.models import (
    LowStockAlert,
    PurchaseOrder,
    PurchaseOrderLine,
    Reservation,
    Stock,
    StockMovement,
    Supplier,
)
from apps.inventory.services import Line

pytestmark = pytest.mark.django_db


def _sql(statement, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


@pytest.mark.parametrize(
    ("statement", "error"),
    [
        (
            "UPDATE inventory_stock SET on_hand = -1 WHERE id = %s",
            "inventory_stock_on_hand_from_ledger",
        ),
        (
            "UPDATE inventory_stock SET on_hand = on_hand + 100 WHERE id = %s",
            "inventory_stock_on_hand_from_ledger",
        ),
        (
            "UPDATE inventory_stock SET reserved = on_hand + 1 WHERE id = %s",
            "inventory_stock_reserved_lte_on_hand",
        ),
        (
            "UPDATE inventory_stock SET reserved = -1 WHERE id = %s",
            "inventory_stock_reserved_gte_0",
        ),
        (
            "INSERT INTO inventory_stockmovement (stock_id, kind, quantity, reason, reference_type, reference_id, created_at)"
            " VALUES (%s, 'sale', -11, '', '', '', now())",
            "inventory_stock_on_hand_gte_0",
        ),
        (
            "INSERT INTO inventory_stockmovement (stock_id, kind, quantity, reason, reference_type, reference_id, created_at)"
            " VALUES (%s, 'receipt', -1, '', '', '', now())",
            "inventory_movement_sign_matches_kind",
        ),
    ],
)
def test_raw_sql_cannot_break_stock(stocked, statement, error):
    _, main, _ = stocked
    with pytest.raises(DatabaseError, match=error), transaction.atomic():
        _sql(statement, [main.pk])
    main.refresh_from_db()
    assert (main.on_hand, main.reserved) == (10, 0)
    assert selectors.ledger_mismatches() == []


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE inventory_stockmovement SET quantity = 99",
        "DELETE FROM inventory_stockmovement",
    ],
)
def test_ledger_is_append_only(stocked, statement):
    count = StockMovement.objects.count()
    with pytest.raises(DatabaseError), transaction.atomic():
        _sql(statement)
    assert StockMovement.objects.count() == count


def test_raw_receipt_through_the_ledger_moves_on_hand(stocked):
    _, main, _ = stocked
    _sql(
        "INSERT INTO inventory_stockmovement (stock_id, kind, quantity, reason, reference_type, reference_id, created_at)"
        " VALUES (%s, 'receipt', 7, 'pallet', '', '', now())",
        [main.pk],
    )
    main.refresh_from_db()
    assert main.on_hand == 17 and selectors.ledger_mismatches() == []


def test_new_stock_rows_start_at_zero(make_variant, warehouses):
    variant = make_variant()
    with (
        pytest.raises(DatabaseError, match="on_hand_from_ledger"),
        transaction.atomic(),
    ):
        _sql(
            "INSERT INTO inventory_stock (variant_id, warehouse_id, on_hand, reserved, reorder_point, reorder_quantity, updated_at)"
            " VALUES (%s, %s, 50, 0, 0, 0, now())",
            [variant.pk, warehouses[0].pk],
        )


def test_reserve_draws_by_priority_across_warehouses(stocked):
    variant, main, spare = stocked
    reservations = services.stock_reserve(
        lines=[Line(variant.pk, 12)], owner_type="order", owner_id="o-1"
    )
    assert sorted((r.stock_id, r.quantity) for r in reservations) == sorted(
        [(main.pk, 10), (spare.pk, 2)]
    )
    main.refresh_from_db(), spare.refresh_from_db()
    assert (main.reserved, spare.reserved) == (10, 2)


def test_reserve_that_cannot_be_met_for_one_line_reserves_nothing(
    stocked, make_variant
):
    variant, main, _ = stocked
    other = make_variant("Other")
    with pytest.raises(OutOfStock) as info:
        services.stock_reserve(
            lines=[Line(variant.pk, 3), Line(other.pk, 1)], owner_type="order"
        )
    assert (
        info.value.code == "out_of_stock"
        and info.value.details["variant_id"] == other.pk
    )
    assert Reservation.objects.count() == 0
    assert set(Stock.objects.values_list("reserved", flat=True)) == {0}


def test_commit_ships_units_and_writes_the_sale(stocked):
    variant, main, _ = stocked
    (reservation,) = services.stock_reserve(
        lines=[Line(variant.pk, 4)], owner_type="order_line", owner_id="42"
    )
    services.reservation_commit(reservation_ids=[reservation.pk])
    main.refresh_from_db()
    assert (main.on_hand, main.reserved) == (6, 0)
    sale = StockMovement.objects.get(kind="sale")
    assert (sale.quantity, sale.reference_type, sale.reference_id) == (
        -4,
        "order_line",
        "42",
    )
    with pytest.raises(ReservationNotActive):
        services.reservation_release(reservation_ids=[reservation.pk])
    assert selectors.ledger_mismatches() == [] and selectors.reserved_mismatches() == []


def test_reservation_state_machine_is_kept_by_the_database(stocked):
    variant, _, _ = stocked
    (reservation,) = services.stock_reserve(
        lines=[Line(variant.pk, 1)], owner_type="order"
    )
    services.reservation_release(reservation_ids=[reservation.pk])
    with pytest.raises(DatabaseError), transaction.atomic():
        _sql(
            "UPDATE inventory_reservation SET status = 'active' WHERE id = %s",
            [reservation.pk],
        )
    with pytest.raises(DatabaseError), transaction.atomic():
        _sql("DELETE FROM inventory_reservation WHERE id = %s", [reservation.pk])


def test_customer_may_hold_at_most_five_active_reservations_per_variant(
    stocked, settings
):
    variant, _, _ = stocked
    for _ in range(5):
        services.stock_reserve(
            lines=[Line(variant.pk, 1)], owner_type="cart", customer_id=7
        )
    with pytest.raises(ReservationLimit):
        services.stock_reserve(
            lines=[Line(variant.pk, 1)], owner_type="cart", customer_id=7
        )
    services.stock_reserve(
        lines=[Line(variant.pk, 1)], owner_type="cart", customer_id=8
    )
    assert Reservation.objects.filter(customer_id=7).count() == 5


def test_expiry_releases_exactly_the_expired_rows_and_is_idempotent(stocked):
    variant, main, spare = stocked
    old = services.stock_reserve(
        lines=[Line(variant.pk, 3)], owner_type="order", owner_id="old"
    )
    fresh = services.stock_reserve(
        lines=[Line(variant.pk, 2)], owner_type="order", owner_id="fresh"
    )
    Reservation.objects.filter(pk__in=[r.pk for r in old]).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    assert services.reservations_expire(batch_size=1) == 1
    assert services.reservations_expire(batch_size=100) == 0
    assert Reservation.objects.get(pk=old[0].pk).status == "expired"
    assert Reservation.objects.get(pk=fresh[0].pk).status == "active"
    main.refresh_from_db()
    assert main.reserved == 2 and selectors.reserved_mismatches() == []


def test_adjustment_needs_a_reason_and_cannot_go_negative(stocked, staff):
    _, main, _ = stocked
    with pytest.raises(StockChangeInvalid, match="reason"):
        services.stock_adjust(stock=main, quantity=-1, reason=" ")
    with pytest.raises(OutOfStock):
        services.stock_adjust(stock=main, quantity=-11, reason="count")
    services.stock_adjust(
        stock=main, quantity=-2, reason="broken in transit", actor=staff
    )
    main.refresh_from_db()
    assert main.on_hand == 8
    movement = StockMovement.objects.filter(kind="adjustment").get()
    assert (movement.reason, movement.actor_id, movement.reference_id) == (
        "broken in transit",
        staff.pk,
        str(staff.pk),
    )


def test_transfer_is_two_movements_in_one_transaction(stocked):
    _, main, spare = stocked
    services.stock_transfer(source=main, target=spare, quantity=4)
    main.refresh_from_db(), spare.refresh_from_db()
    assert (main.on_hand, spare.on_hand) == (6, 9)
    with pytest.raises(OutOfStock):
        services.stock_transfer(source=main, target=spare, quantity=7)
    main.refresh_from_db(), spare.refresh_from_db()
    assert (main.on_hand, spare.on_hand) == (6, 9)
    assert (
        StockMovement.objects.filter(kind__in=["transfer_out", "transfer_in"]).count()
        == 2
    )


def test_low_stock_alert_is_raised_once_and_cleared_on_restock(stocked):
    variant, main, _ = stocked
    Stock.objects.filter(pk=main.pk).update(reorder_point=5)  # 10 available: no alert
    assert not LowStockAlert.objects.exists()
    services.stock_adjust(stock=main, quantity=-6, reason="count")  # 4 available
    services.stock_adjust(stock=main, quantity=-1, reason="count")  # 3 available
    services.stock_adjust(stock=main, quantity=-1, reason="count")
    assert (
        LowStockAlert.objects.filter(stock=main, cleared_at__isnull=True).count() == 1
    )
    services.stock_receive(stock=main, quantity=10)
    assert LowStockAlert.objects.get(stock=main).cleared_at is not None


def test_purchase_order_receive_writes_receipts(stocked, warehouses):
    variant, main, _ = stocked
    po = PurchaseOrder.objects.create(
        supplier=Supplier.objects.create(name="Acme"), warehouse=warehouses[0]
    )
    PurchaseOrderLine.objects.create(purchase_order=po, variant=variant, quantity=20)
    with pytest.raises(PurchaseOrderStatusInvalid):
        services.purchase_order_receive(purchase_order=po)  # still a draft
    PurchaseOrder.objects.filter(pk=po.pk).update(status="ordered")
    services.purchase_order_receive(purchase_order=po)
    main.refresh_from_db()
    assert main.on_hand == 30
    assert (
        StockMovement.objects.filter(
            kind="receipt", reference_type="purchase_order", reference_id=str(po.pk)
        ).count()
        == 1
    )
    with pytest.raises(PurchaseOrderStatusInvalid):
        services.purchase_order_receive(purchase_order=po)


def test_in_stock_flags_follow_availability(stocked):
    variant, main, spare = stocked
    assert ProductVariant.objects.get(pk=variant.pk).in_stock
    assert Product.objects.get(pk=variant.product_id).in_stock
    services.stock_reserve(lines=[Line(variant.pk, 15)], owner_type="order")
    assert not ProductVariant.objects.get(pk=variant.pk).in_stock
    assert not Product.objects.get(pk=variant.product_id).in_stock


def test_inventory_check_command_reports_agreement(stocked):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("inventory_check", stdout=out)
    assert "agree" in out.getvalue()


def test_stock_row_unique_per_variant_and_warehouse(stocked):
    variant, main, _ = stocked
    with pytest.raises(IntegrityError), transaction.atomic():
        Stock.objects.create(variant=variant, warehouse=main.warehouse)


def test_expiry_job_records_a_run(stocked):
    from apps.auditing.jobs import job_execute

    variant, _, _ = stocked
    reservations = services.stock_reserve(
        lines=[Line(variant.pk, 2)], owner_type="order"
    )
    Reservation.objects.filter(pk__in=[r.pk for r in reservations]).update(
        expires_at=timezone.now() - dt.timedelta(seconds=5)
    )
    run = job_execute("inventory.reservations_expire")
    assert (run.outcome, run.rows) == ("success", 1)
    assert job_execute("inventory.reservations_expire").rows == 0


def test_check_detects_a_ledger_that_does_not_add_up(stocked):
    from io import StringIO

    from django.core.management import CommandError, call_command

    from apps.auditing.jobs import job_execute

    _, main, _ = stocked
    # Simulate corruption from outside the rules (triggers off for this transaction only).
    _sql("SET LOCAL session_replication_role = replica")
    _sql("UPDATE inventory_stock SET on_hand = 99 WHERE id = %s", [main.pk])
    _sql("SET LOCAL session_replication_role = origin")
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("inventory_check", stdout=out)
    assert f"stock {main.pk}: on_hand 99 but ledger sums to 10" in out.getvalue()
    with pytest.raises(AssertionError):
        job_execute("inventory.ledger_check")
