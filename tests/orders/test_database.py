"""The database keeps the orders' rules against raw SQL of the application's role."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from apps.orders import services
from apps.orders.models import TRANSITIONS, Order, OrderLine, OrderStatusChange


@pytest.fixture
def order(stocked_variant, checkout, new_key):
    shirt = stocked_variant(price="20.00", units=10)
    return services.order_place(
        idempotency_key=new_key(), request=checkout({shirt: 2}), actor=None
    )


def _refused(sql: str, params=()) -> DatabaseError:
    with pytest.raises(DatabaseError) as refused, transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
    return refused.value


def _row(table: str, pk: int) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()


def _constraint(error: DatabaseError) -> str | None:
    return error.__cause__.diag.constraint_name


def test_the_state_machine_is_one_list():
    assert ("pending", "paid") in TRANSITIONS
    assert ("pending", "shipped") not in TRANSITIONS
    assert services.allowed_transitions("pending") == ["paid", "cancelled", "expired"]


@pytest.mark.parametrize(
    "to", ["shipped", "delivered", "returned", "partially_fulfilled"]
)
def test_an_illegal_status_change_by_raw_sql_is_refused(order, to):
    before = _row("orders_order", order.pk)
    _refused("UPDATE orders_order SET status = %s WHERE id = %s", [to, order.pk])
    assert _row("orders_order", order.pk) == before
    assert OrderStatusChange.objects.filter(order=order).count() == 1


def test_a_legal_status_change_by_raw_sql_is_written_to_the_history(order):
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE orders_order SET status = 'cancelled' WHERE id = %s", [order.pk]
        )
    assert list(
        OrderStatusChange.objects.filter(order=order).values_list(
            "from_status", "to_status"
        )
    ) == [("", "pending"), ("pending", "cancelled")]


def test_an_order_is_never_deleted(order):
    before = _row("orders_order", order.pk)
    error = _refused("DELETE FROM orders_order WHERE id = %s", [order.pk])
    assert error.__cause__.sqlstate == "42501"  # the application may not DELETE at all
    assert _row("orders_order", order.pk) == before


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE orders_orderline SET quantity = 1 WHERE order_id = %s",
        "UPDATE orders_orderline SET unit_price = 0.01 WHERE order_id = %s",
        "DELETE FROM orders_orderline WHERE order_id = %s",
    ],
)
def test_a_placed_line_never_changes(order, sql):
    before = list(OrderLine.objects.filter(order=order).values())
    _refused(sql, [order.pk])
    assert list(OrderLine.objects.filter(order=order).values()) == before


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("total", "0.01"),
        ("placed_at", "2000-01-01 00:00+00"),
        ("number", "SO-1"),
        ("subtotal", "1"),
    ],
)
def test_what_was_bought_for_how_much_never_changes(order, column, value):
    before = _row("orders_order", order.pk)
    error = _refused(
        f"UPDATE orders_order SET {column} = %s WHERE id = %s",  # noqa: S608
        [value, order.pk],
    )
    assert _constraint(error) in (
        "orders_order_terms_immutable",
        "orders_order_total_adds_up",
    )
    assert _row("orders_order", order.pk) == before


def test_the_total_must_add_up(order):
    error = _refused(
        "INSERT INTO orders_order (number, email, status, currency, subtotal, discount, tax,"
        " shipping, total, shipping_method_id, shipping_method_name, shipping_address,"
        " billing_address, item_count, idempotency_key, placed_at, expires_at)"
        " SELECT 'SO-X', email, 'pending', currency, 10, 0, 0, 0, 9.99, shipping_method_id,"
        " '', '{}', '{}', 1, 'k-x', now(), now() + interval '1 hour'"
        " FROM orders_order WHERE id = %s",
        [order.pk],
    )
    assert _constraint(error) == "orders_order_total_adds_up"
    assert Order.objects.count() == 1


def _at_commit(sql: str, params=()) -> DatabaseError:
    """Run `sql`, then what the database checks at commit (deferred constraint triggers):
    a test's transaction never commits, so the deferred checks are made due at once."""
    with pytest.raises(DatabaseError) as refused, transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    return refused.value


def test_a_placed_order_adds_up_to_its_lines_at_commit(order):
    # the order and its line, placed by the service, pass the deferred checks
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    line = order.lines.get()
    assert (order.subtotal, order.discount, order.tax, order.item_count) == (
        line.unit_price * line.quantity,
        line.discount,
        line.tax,
        line.quantity,
    )


def test_a_line_appended_to_a_placed_order_is_refused_at_commit(order, stocked_variant):
    socks = stocked_variant(price="5.00", units=10)
    before = list(OrderLine.objects.filter(order=order).values())
    error = _at_commit(
        "INSERT INTO orders_orderline (order_id, variant_id, product_name, sku, options,"
        " quantity, unit_price, discount, tax_rate, tax, line_total)"
        " SELECT order_id, %s, 'Socks', 'SOCKS', '', 1, 5, 0, tax_rate, 0, 5"
        " FROM orders_orderline WHERE order_id = %s",
        [socks.pk, order.pk],
    )
    assert _constraint(error) == "orders_order_adds_up_to_its_lines"
    assert list(OrderLine.objects.filter(order=order).values()) == before


def _copy(order, *, off_by_one: str = "", with_lines: bool = True) -> tuple:
    """SQL and parameters inserting a copy of `order` (one line), with a copy of its line
    or none, one of its sums off by one if asked."""
    line = order.lines.get()
    sums = {
        "subtotal": line.unit_price * line.quantity,
        "discount": line.discount,
        "tax": line.tax,
        "item_count": line.quantity,
    }
    if off_by_one:
        sums[off_by_one] += 1
    sql = (
        "WITH o AS (INSERT INTO orders_order (number, email, status, currency, subtotal,"
        " discount, tax, shipping, total, shipping_method_id, shipping_method_name,"
        " shipping_address, billing_address, item_count, idempotency_key, placed_at,"
        " expires_at)"
        " SELECT 'SO-Z', email, 'pending', currency, %(subtotal)s, %(discount)s, %(tax)s,"
        " shipping, %(subtotal)s - %(discount)s + %(tax)s + shipping, shipping_method_id,"
        " shipping_method_name, shipping_address, billing_address, %(item_count)s, 'k-z',"
        " placed_at, expires_at FROM orders_order WHERE id = %(order)s RETURNING id)"
    )
    if with_lines:
        sql += (
            " INSERT INTO orders_orderline (order_id, variant_id, product_name, sku,"
            " options, quantity, unit_price, discount, tax_rate, tax, line_total)"
            " SELECT o.id, l.variant_id, l.product_name, l.sku, l.options, l.quantity,"
            " l.unit_price, l.discount, l.tax_rate, l.tax, l.line_total"
            " FROM o, orders_orderline l WHERE l.order_id = %(order)s"
        )
    else:
        sql += " SELECT id FROM o"
    return sql, {**sums, "order": order.pk}


def test_an_order_copied_with_its_line_and_sums_passes_the_check(order):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(*_copy(order))
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    assert Order.objects.count() == 2
    assert OrderLine.objects.count() == 2


@pytest.mark.parametrize("off_by_one", ["subtotal", "discount", "tax", "item_count"])
def test_an_order_stating_other_sums_than_its_lines_is_refused_at_commit(
    order, off_by_one
):
    error = _at_commit(*_copy(order, off_by_one=off_by_one))
    assert _constraint(error) == "orders_order_adds_up_to_its_lines"
    assert Order.objects.count() == 1
    assert OrderLine.objects.count() == 1


def test_an_order_without_its_lines_is_refused_at_commit(order):
    error = _at_commit(*_copy(order, with_lines=False))
    assert _constraint(error) == "orders_order_adds_up_to_its_lines"
    assert Order.objects.count() == 1


def test_an_order_starts_pending(order):
    error = _refused(
        "INSERT INTO orders_order (number, email, status, currency, subtotal, discount, tax,"
        " shipping, total, shipping_method_id, shipping_method_name, shipping_address,"
        " billing_address, item_count, idempotency_key, placed_at, expires_at)"
        " SELECT 'SO-Y', email, 'paid', currency, 0, 0, 0, 0, 0, shipping_method_id,"
        " '', '{}', '{}', 1, 'k-y', now(), now() + interval '1 hour'"
        " FROM orders_order WHERE id = %s",
        [order.pk],
    )
    assert _constraint(error) == "orders_order_placed_as_pending"
    assert Order.objects.count() == 1


def test_the_status_history_is_written_by_the_trigger_only(order):
    error = _refused(
        "INSERT INTO orders_orderstatuschange (order_id, from_status, to_status, changed_at, note)"
        " VALUES (%s, 'pending', 'paid', now(), 'forged')",
        [order.pk],
    )
    assert _constraint(error) == "orders_orderstatuschange_written_by_order"
    error = _refused(
        "UPDATE orders_orderstatuschange SET note = 'rewritten' WHERE order_id = %s",
        [order.pk],
    )
    assert list(
        OrderStatusChange.objects.filter(order=order).values_list("note", flat=True)
    ) == [""]


def test_shipping_more_than_ordered_by_raw_sql_is_refused(order, staff):
    services.order_mark_paid(order=order, actor=staff, reason="paid")
    line = order.lines.get()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO orders_fulfilment (order_id, carrier, tracking_number, status, shipped_at)"
            " VALUES (%s, 'DHL', '', 'shipped', now()) RETURNING id",
            [order.pk],
        )
        fulfilment_id = cursor.fetchone()[0]
        cursor.execute(
            "INSERT INTO orders_fulfilmentline (fulfilment_id, order_line_id, quantity)"
            " VALUES (%s, %s, 2)",
            [fulfilment_id, line.pk],
        )
    error = _refused(
        "INSERT INTO orders_fulfilmentline (fulfilment_id, order_line_id, quantity)"
        " VALUES (%s, %s, 1)",
        [fulfilment_id, line.pk],
    )
    assert _constraint(error) == "orders_fulfilmentline_not_more_than_ordered"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sum(quantity) FROM orders_fulfilmentline WHERE order_line_id = %s",
            [line.pk],
        )
        assert cursor.fetchone()[0] == 2


def test_outbox_events_are_never_deleted_nor_rewritten(order):
    event = order_event = None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, payload::text FROM orders_outboxevent WHERE aggregate_id = %s",
            [order.number],
        )
        event, order_event = cursor.fetchone()
    _refused("DELETE FROM orders_outboxevent WHERE id = %s", [event])
    error = _refused(
        "UPDATE orders_outboxevent SET payload = '{}' WHERE id = %s", [event]
    )
    assert _constraint(error) == "orders_outboxevent_event_immutable"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT payload::text FROM orders_outboxevent WHERE id = %s", [event]
        )
        assert cursor.fetchone()[0] == order_event
