"""Stock never negative, never over-reserved, and the ledger adds up: the database refuses
otherwise, raw SQL included (triggers and constraints of apps/inventory/models.py)."""

from __future__ import annotations

import psycopg
import pytest
from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction

from apps.inventory import selectors, services
from apps.inventory.models import LowStockAlert, Reservation, Stock, StockMovement
from apps.inventory.services import Line
from tests.conftest import connect_as, owner_sql

pytestmark = pytest.mark.django_db


RAW_RESERVATION = (
    "INSERT INTO inventory_reservation"
    " (stock_id, variant_id, quantity, owner_type, owner_id, status, expires_at, created_at)"
)


def _sql(statement, params=None):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def _refused_by(statement, params=None) -> str:
    with pytest.raises(DatabaseError) as refused, transaction.atomic():
        _sql(statement, params)
    return refused.value.__cause__.diag.constraint_name


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
            "inventory_stock_reserved_from_reservations",
        ),
        (
            "UPDATE inventory_stock SET reserved = -1 WHERE id = %s",
            "inventory_stock_reserved_from_reservations",
        ),
        (
            "UPDATE inventory_stock SET reserved = 3 WHERE id = %s",
            "inventory_stock_reserved_from_reservations",
        ),
        (
            # An active reservation of more than is available: the CHECK refuses the row.
            f"{RAW_RESERVATION} SELECT id, variant_id, 11, 'order', '', 'active',"
            " now() + interval '1 hour', now() FROM inventory_stock WHERE id = %s",
            "inventory_stock_reserved_lte_on_hand",
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
    assert not Reservation.objects.exists()


def test_reserved_is_written_by_the_reservations_only(stocked):
    variant, main, _ = stocked
    services.stock_reserve(lines=[Line(variant.pk, 4)], owner_type="order")
    for statement, params in (
        ("UPDATE inventory_stock SET reserved = 0 WHERE id = %s", [main.pk]),
        ("UPDATE inventory_stock SET reserved = reserved - 1 WHERE id = %s", [main.pk]),
        (
            "UPDATE inventory_stock SET reserved = reserved + 1, updated_at = now()"
            " WHERE id = %s",
            [main.pk],
        ),
        # From inside a function the statement is still the session's own.
        (
            f"DO $$ BEGIN UPDATE inventory_stock SET reserved = 0 WHERE id = {main.pk};"
            " END $$",
            None,
        ),
    ):
        assert (
            _refused_by(statement, params)
            == "inventory_stock_reserved_from_reservations"
        )
    with pytest.raises(DatabaseError, match="changes only through its reservations"):
        with transaction.atomic():
            Stock.objects.filter(pk=main.pk).update(reserved=0)
    main.refresh_from_db()
    assert (main.on_hand, main.reserved) == (10, 4)
    assert selectors.reserved_mismatches() == []


def test_reservations_written_in_raw_sql_move_reserved(stocked):
    variant, main, spare = stocked
    # given: one statement writing reservations on both rows, one of them already closed
    _sql(
        f"{RAW_RESERVATION} VALUES"
        " (%(main)s, %(variant)s, 3, 'order', 'a', 'active', now() + interval '1 hour', now()),"
        " (%(spare)s, %(variant)s, 2, 'order', 'b', 'active', now() + interval '1 hour', now()),"
        " (%(main)s, %(variant)s, 1, 'order', 'c', 'active', now() + interval '1 hour', now()),"
        " (%(main)s, %(variant)s, 5, 'order', 'd', 'released', now() + interval '1 hour', now())",
        {"main": main.pk, "spare": spare.pk, "variant": variant.pk},
    )

    def reserved():
        return tuple(
            Stock.objects.filter(pk__in=[main.pk, spare.pk])
            .order_by("pk")
            .values_list("reserved", flat=True)
        )

    assert reserved() == (4, 2)
    # when: statements that do not close a reservation
    _sql("UPDATE inventory_reservation SET expires_at = now() WHERE status = 'active'")
    assert reserved() == (4, 2)
    # when: reservations leave active, in one statement
    _sql(
        "UPDATE inventory_reservation SET status = 'expired', closed_at = now()"
        " WHERE owner_id IN ('a', 'b')"
    )
    assert reserved() == (1, 0)
    assert selectors.reserved_mismatches() == []


def test_what_a_reservation_holds_never_changes(stocked, make_variant):
    variant, main, spare = stocked
    (reservation,) = services.stock_reserve(
        lines=[Line(variant.pk, 2)], owner_type="order"
    )
    for statement, value in (
        ("UPDATE inventory_reservation SET quantity = %s WHERE id = %s", 9),
        ("UPDATE inventory_reservation SET stock_id = %s WHERE id = %s", spare.pk),
        (
            "UPDATE inventory_reservation SET variant_id = %s WHERE id = %s",
            make_variant("Other").pk,
        ),
    ):
        assert (
            _refused_by(statement, [value, reservation.pk])
            == "inventory_reservation_claim_immutable"
        )
    kept = Reservation.objects.get(pk=reservation.pk)
    assert (kept.stock_id, kept.variant_id, kept.quantity) == (main.pk, variant.pk, 2)
    main.refresh_from_db(), spare.refresh_from_db()
    assert (main.reserved, spare.reserved) == (2, 0)


def test_the_reserved_function_serves_the_reservations_table_only(stocked):
    _, main, _ = stocked
    # Only the owner may make a table and a trigger; its function still refuses the borrow.
    with pytest.raises(psycopg.Error) as refused:
        owner_sql(
            "DO $$ BEGIN"
            " CREATE TEMP TABLE borrowed (stock_id bigint, quantity int, status text);"
            " CREATE TRIGGER borrowed_sync AFTER INSERT ON borrowed"
            " REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT"
            " EXECUTE FUNCTION inventory_reserved_sync();"
            f" INSERT INTO borrowed VALUES ({main.pk}, 5, 'active');"
            " END $$"
        )
    assert (
        refused.value.diag.constraint_name
        == "inventory_stock_reserved_from_reservations"
    )
    main.refresh_from_db()
    assert main.reserved == 0


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


def test_stock_changes_the_owners_functions_make_are_recorded_as_the_applications(
    stocked, audit_trail
):
    _, main, _ = stocked
    app, owner = settings.DATABASE_APP["USER"], settings.DATABASE_OWNER["USER"]
    assert app != owner
    # when: a reservation and a sale, each moving the stock row through an owner's function
    _sql(
        f"{RAW_RESERVATION} VALUES (%s, %s, 2, 'order', 'x', 'active',"
        " now() + interval '1 hour', now())",
        [main.pk, main.variant_id],
    )
    _sql(
        "INSERT INTO inventory_stockmovement (stock_id, kind, quantity, reason,"
        " reference_type, reference_id, created_at) VALUES (%s, 'sale', -1, '', '', '', now())",
        [main.pk],
    )
    # then: every event names the role that connected
    stock = audit_trail.events(table_name="inventory_stock", row_pk=str(main.pk))
    assert [e.changes.keys() - {"updated_at"} for e in stock] == [
        {"reserved"},
        {"on_hand"},
    ]
    assert {e.db_role for e in audit_trail.events()} == {app}


VARIANT_RULE = "inventory_reservation_variant_matches_stock"


def _other_variants_stock(make_variant, warehouse) -> Stock:
    other = services.stock_for(
        variant_id=make_variant(name="Other").pk, warehouse=warehouse
    )
    services.stock_receive(stock=other, quantity=5)
    return Stock.objects.get(pk=other.pk)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("immediate", [False, True])
def test_a_reservation_of_another_variant_than_its_stock_rows_is_refused(
    stocked, make_variant, immediate
):
    _, main, _ = stocked
    other = _other_variants_stock(make_variant, main.warehouse)
    statement = (
        f"{RAW_RESERVATION} VALUES (%s, %s, 1, 'order', 'x', 'active',"
        " now() + interval '1 hour', now())"
    )
    # Checked at commit (the end of the atomic block), or at the statement when the session
    # asks for it: never skipped.
    with pytest.raises(DatabaseError) as refused, transaction.atomic():
        if immediate:
            _sql(f"SET CONSTRAINTS {VARIANT_RULE} IMMEDIATE")
        _sql(statement, [main.pk, other.variant_id])
    assert refused.value.__cause__.diag.constraint_name == VARIANT_RULE
    assert not Reservation.objects.filter(stock__in=[main, other]).exists()
    assert Stock.objects.get(pk=main.pk).reserved == 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("column", ["variant_id", "stock_id"])
def test_a_reservation_cannot_be_moved_to_another_variant_even_by_the_owner(
    stocked, make_variant, column
):
    variant, main, _ = stocked
    other = _other_variants_stock(make_variant, main.warehouse)
    _sql(
        f"{RAW_RESERVATION} VALUES (%s, %s, 1, 'order', 'x', 'active',"
        " now() + interval '1 hour', now())",
        [main.pk, variant.pk],
    )
    held = Reservation.objects.get(stock=main)
    value = other.variant_id if column == "variant_id" else other.pk
    statement = f"UPDATE inventory_reservation SET {column} = %s WHERE id = %s"
    # The application: refused (what a reservation holds never changes).
    with pytest.raises(DatabaseError), transaction.atomic():
        _sql(statement, [value, held.pk])
    # The owner, with that rule switched off: the key refuses it all the same.
    with connect_as("owner") as owner:
        with pytest.raises(psycopg.errors.ForeignKeyViolation) as refused:
            with owner.transaction():
                owner.execute(
                    "SELECT set_config('pgtrigger.ignore', '{' || tgname || '}', true)"
                    " FROM pg_trigger WHERE tgname LIKE 'pgtrigger\\_claim\\_immutable\\_%'"
                    " AND tgrelid = 'inventory_reservation'::regclass"
                )
                owner.execute(statement, [value, held.pk])
    assert refused.value.diag.constraint_name == VARIANT_RULE
    kept = Reservation.objects.get(pk=held.pk)
    assert (kept.stock_id, kept.variant_id) == (main.pk, variant.pk)
    assert (
        Stock.objects.get(pk=main.pk).reserved,
        Stock.objects.get(pk=other.pk).reserved,
    ) == (1, 0)


MOVEMENTS = (
    "INSERT INTO inventory_stockmovement"
    " (stock_id, kind, quantity, reason, reference_type, reference_id, created_at)"
    " SELECT stock_id, kind, quantity, 'many', '', '', now()"
    " FROM (VALUES {}) AS m (stock_id, kind, quantity)"
)


def test_one_statement_of_many_movements_applies_their_sums_once(stocked):
    # given: two stock rows (10 and 5), one of them with a reorder point of 3
    variant, main, spare = stocked
    services.stock_reorder_set(stock=spare, reorder_point=3, reorder_quantity=10)
    # when: one statement writes five movements over both rows
    _sql(
        MOVEMENTS.format(
            "(%s, 'receipt', 4), (%s, 'adjustment', -2), (%s, 'adjustment', -1),"
            " (%s, 'adjustment', -3), (%s, 'receipt', 1)"
        ),
        [main.pk, main.pk, spare.pk, spare.pk, main.pk],
    )
    # then: each row moved by the sum of its movements, the ledger adds up, and the row
    # that fell under its reorder point has one alert
    main.refresh_from_db(), spare.refresh_from_db()
    assert (main.on_hand, spare.on_hand) == (13, 1)
    assert selectors.ledger_mismatches() == []
    alerts = LowStockAlert.objects.filter(cleared_at__isnull=True)
    assert list(alerts.values_list("stock_id", "available_at_raise")) == [(spare.pk, 1)]


def test_a_statement_taking_more_than_there_is_is_refused_whole(stocked):
    variant, main, spare = stocked
    before = list(Stock.objects.order_by("pk").values_list("on_hand", flat=True))
    movements = StockMovement.objects.count()
    with pytest.raises(DatabaseError) as refused, transaction.atomic():
        _sql(
            MOVEMENTS.format("(%s, 'adjustment', -4), (%s, 'adjustment', -6)"),
            [main.pk, spare.pk],
        )
    assert (
        refused.value.__cause__.diag.constraint_name == "inventory_stock_on_hand_gte_0"
    )
    assert (
        list(Stock.objects.order_by("pk").values_list("on_hand", flat=True)) == before
    )
    assert StockMovement.objects.count() == movements
