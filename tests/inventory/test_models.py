"""Stock never negative, never over-reserved, and the ledger adds up: the database refuses
otherwise, raw SQL included (triggers and constraints of apps/inventory/models.py)."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from apps.inventory import selectors, services
from apps.inventory.models import LowStockAlert, Stock, StockMovement
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
    with pytest.raises(DatabaseError) as refused, transaction.atomic():
        _sql(
            "INSERT INTO inventory_stock (variant_id, warehouse_id, on_hand, reserved, reorder_point, reorder_quantity, updated_at)"
            " VALUES (%s, %s, 50, 0, 0, 0, now())",
            [variant.pk, warehouses[0].pk],
        )
    assert (
        refused.value.__cause__.diag.constraint_name
        == "inventory_stock_on_hand_from_ledger"
    )
    assert not Stock.objects.filter(variant=variant).exists()


def test_stock_row_unique_per_variant_and_warehouse(stocked):
    variant, main, _ = stocked
    with pytest.raises(IntegrityError), transaction.atomic():
        Stock.objects.create(variant=variant, warehouse=main.warehouse)


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
