"""No session setting switches a rule off for the application: pgtrigger's `pgtrigger.ignore`
list is honoured for the database owner only (migrations, sanctioned maintenance).

The suite connects as the application's role (DATABASE_URL), which does not own the
database; the owner's connection is opened from DATABASE_OWNER_URL.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction

from apps.auditing.roles import role_names
from apps.catalog import services as catalog
from apps.catalog.models import ProductType
from apps.inventory import services as inventory
from apps.inventory.models import LowStockAlert, Stock, Warehouse
from tests.conftest import connect_as, superuser_sql
from tests.testapp.models import Widget

pytestmark = pytest.mark.django_db


def _names() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgname LIKE 'pgtrigger\\_%' ORDER BY 1"
        )
        return [row[0] for row in cursor.fetchall()]


def test_the_suite_runs_as_the_application_role_which_owns_nothing():
    owner, app, _ = role_names()
    assert owner != app
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_user, pg_has_role(current_user, 'pg_database_owner', 'MEMBER'),"
            " rolsuper, rolcreaterole, rolcreatedb, rolbypassrls"
            " FROM pg_roles WHERE rolname = current_user"
        )
        assert cursor.fetchone() == (app, False, False, False, False, False)
        cursor.execute(
            "SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace"
            " AND relowner = current_user::regrole"
        )
        assert cursor.fetchone()[0] == 0


def test_the_ignore_list_switches_nothing_off_for_the_application():
    names = _names()
    assert len(names) > 50
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('pgtrigger.ignore', %s, true)",
            ["{" + ",".join(names) + "}"],
        )
        cursor.execute(
            "SELECT count(*) FROM unnest(%s::name[]) n WHERE _pgtrigger_should_ignore(n)",
            [names],
        )
        assert cursor.fetchone()[0] == 0


def test_a_rule_listed_to_ignore_still_holds_for_the_application():
    widget = Widget.objects.create(name="kept")
    (soft_delete,) = [n for n in _names() if n.startswith("pgtrigger_soft_delete")][:1]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('pgtrigger.ignore', %s, true)", ["{" + soft_delete + "}"]
        )
        cursor.execute("DELETE FROM testapp_widget WHERE id = %s", [widget.pk])
    # The soft delete rule ran all the same: the row is kept, marked deleted.
    assert Widget.all_objects.get(pk=widget.pk).deleted_at is not None


def test_the_application_cannot_replace_the_ignore_function_or_disable_a_trigger():
    for statement in (
        "CREATE OR REPLACE FUNCTION _pgtrigger_should_ignore(trigger_name NAME)"
        " RETURNS BOOLEAN LANGUAGE sql AS 'SELECT true'",
        "ALTER TABLE inventory_stockmovement DISABLE TRIGGER USER",
        "SET session_replication_role = replica",
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(statement)


def test_the_owner_may_still_use_it_for_sanctioned_maintenance(transactional_db):
    with connect_as("owner") as owner:
        names = [
            r[0]
            for r in owner.execute(
                "SELECT tgname FROM pg_trigger WHERE tgname LIKE 'pgtrigger\\_%' ORDER BY 1"
            )
        ]
        owner.execute(
            "SELECT set_config('pgtrigger.ignore', %s, true)", ["{" + names[0] + "}"]
        )
        assert owner.execute(
            "SELECT _pgtrigger_should_ignore(%s)", [names[0]]
        ).fetchone()[0]
        owner.rollback()


@pytest.mark.parametrize(
    ("setting", "ignored"),
    [
        (None, False),  # never set in the session
        ("", False),  # emptied, as the ledger's function does
        ("not a list", False),  # malformed: switches nothing off
        ("{other_trigger}", False),
        ("{other_trigger,%s}", True),
    ],
)
def test_the_owners_list_switches_off_exactly_the_triggers_it_names(
    transactional_db, setting, ignored
):
    with connect_as("owner") as owner:
        (name,) = [
            r[0]
            for r in owner.execute(
                "SELECT tgname FROM pg_trigger WHERE tgname LIKE 'pgtrigger\\_%'"
                " ORDER BY 1 LIMIT 1"
            )
        ]
        if setting is not None:
            owner.execute(
                "SELECT set_config('pgtrigger.ignore', %s, true)",
                [setting.replace("%s", name)],
            )
        assert (
            owner.execute("SELECT _pgtrigger_should_ignore(%s)", [name]).fetchone()[0]
            is ignored
        )
        owner.rollback()


def test_asking_whether_to_ignore_opens_no_subtransaction():
    # Every row a pgtrigger row trigger sees asks; an EXCEPTION block there (pgtrigger's own
    # version) costs a subtransaction per row. Only a non-empty list reaches the block.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT prosrc FROM pg_proc WHERE oid = 'public._pgtrigger_should_ignore(name)'"
            "::regprocedure"
        )
        source = cursor.fetchone()[0]
    before_block = source[: source.index("EXCEPTION")]
    assert "current_setting('pgtrigger.ignore', true)" in before_block
    assert before_block.index("RETURN FALSE") < before_block.rindex("BEGIN")


# --- stock counts: on_hand from the ledger, reserved from the reservations, for the
# application's role too

RESERVED_RULE = "inventory_stock_reserved_from_reservations"
ON_HAND_RULE = "inventory_stock_on_hand_from_ledger"


@pytest.fixture
def stock_row(db) -> Stock:
    """Ten units of a variant in one warehouse."""
    product = catalog.product_create(
        product_type=ProductType.objects.create(name="Probe"),
        category=catalog.category_create(name="Probe"),
        name="Probe",
        status="active",
    )
    variant = catalog.variant_create(
        product=product, sku="PROBE-1", price=Decimal("5.00")
    )
    stock = inventory.stock_for(
        variant_id=variant.pk,
        warehouse=Warehouse.objects.create(code="probe", name="Probe"),
    )
    inventory.stock_receive(stock=stock, quantity=10)
    return Stock.objects.get(pk=stock.pk)


def _refused_by(*statements, ignore_everything=False) -> str:
    with pytest.raises(DatabaseError) as refused, transaction.atomic():
        with connection.cursor() as cursor:
            if ignore_everything:
                cursor.execute(
                    "SELECT set_config('pgtrigger.ignore', %s, true)",
                    ["{" + ",".join(_names()) + "}"],
                )
            for statement, params in statements:
                cursor.execute(statement, params)
    return refused.value.__cause__.diag.constraint_name


def _stock(stock_row: Stock) -> tuple[int, int]:
    stock = Stock.objects.get(pk=stock_row.pk)
    return stock.on_hand, stock.reserved


@pytest.mark.parametrize(
    ("assignment", "rule"),
    [("reserved = 5", RESERVED_RULE), ("on_hand = on_hand + 100", ON_HAND_RULE)],
)
def test_the_application_cannot_write_stock_counts_even_with_every_rule_listed(
    stock_row, assignment, rule
):
    update = (f"UPDATE inventory_stock SET {assignment} WHERE id = %s", [stock_row.pk])
    assert _refused_by(update) == rule
    assert _refused_by(update, ignore_everything=True) == rule
    assert _stock(stock_row) == (10, 0)


@pytest.fixture
def trigger_without_the_owners_rights(request, transactional_db):
    """A trigger on a test table that writes a stock count with the rights of whoever fires
    it (as a trigger the application made for itself would, could it make one)."""
    superuser_sql(
        "CREATE FUNCTION testapp_probe_write() RETURNS trigger LANGUAGE plpgsql AS"
        f" $$ BEGIN UPDATE inventory_stock SET {request.param} WHERE id = NEW.name::bigint;"
        " RETURN NULL; END $$"
    )
    superuser_sql(
        "CREATE TRIGGER probe_write AFTER INSERT ON testapp_widget FOR EACH ROW"
        " EXECUTE FUNCTION testapp_probe_write()"
    )
    try:
        yield
    finally:
        superuser_sql("DROP TRIGGER probe_write ON testapp_widget")
        superuser_sql("DROP FUNCTION testapp_probe_write()")


@pytest.mark.parametrize(
    ("trigger_without_the_owners_rights", "rule"),
    [("reserved = 5", RESERVED_RULE), ("on_hand = on_hand + 100", ON_HAND_RULE)],
    indirect=["trigger_without_the_owners_rights"],
)
def test_a_trigger_without_the_owners_rights_cannot_write_stock_counts(
    trigger_without_the_owners_rights, stock_row, rule
):
    # From inside a trigger, as the sanctioned writers are; refused all the same.
    insert = (
        "INSERT INTO testapp_widget (name, colour, price, secret) VALUES (%s, '', 0, '')",
        [str(stock_row.pk)],
    )
    assert _refused_by(insert) == rule
    assert _stock(stock_row) == (10, 0)


def test_the_applications_movements_move_on_hand_with_every_stock_rule_on(stock_row):
    # given: an alert is due when fewer than 8 units are available
    inventory.stock_reorder_set(stock=stock_row, reorder_point=8, reorder_quantity=20)
    alerts = LowStockAlert.objects.filter(stock=stock_row)
    assert not alerts.exists()
    listed = ["{" + ",".join(_names()) + "}"]
    movement = (
        "INSERT INTO inventory_stockmovement (stock_id, kind, quantity, reason,"
        " reference_type, reference_id, created_at) VALUES (%s, %s, %s, '', '', '', now())"
    )
    with connection.cursor() as cursor:
        # when: it sells 5 units, with every pgtrigger rule listed to ignore
        cursor.execute("SELECT set_config('pgtrigger.ignore', %s, true)", listed)
        cursor.execute(movement, [stock_row.pk, "sale", -5])
        # then: on_hand follows, and the low-stock rule it sets off ran all the same (the
        # ledger's trigger runs with the owner's rights, for whom the list would count)
        assert _stock(stock_row) == (5, 0)
        assert alerts.get().cleared_at is None
        # when: they come back, the same way
        cursor.execute(movement, [stock_row.pk, "return", 5])
    assert _stock(stock_row) == (10, 0)
    assert alerts.get().cleared_at is not None


def test_the_applications_reservations_move_reserved_with_every_stock_rule_on(
    stock_row,
):
    # given: an alert is due when fewer than 8 units are available
    inventory.stock_reorder_set(stock=stock_row, reorder_point=8, reorder_quantity=20)
    alerts = LowStockAlert.objects.filter(stock=stock_row)
    assert not alerts.exists()
    listed = ["{" + ",".join(_names()) + "}"]
    with connection.cursor() as cursor:
        # when: it reserves 5 units, with every pgtrigger rule listed to ignore
        cursor.execute("SELECT set_config('pgtrigger.ignore', %s, true)", listed)
        cursor.execute(
            "INSERT INTO inventory_reservation (stock_id, variant_id, quantity,"
            " owner_type, owner_id, status, expires_at, created_at)"
            " VALUES (%s, %s, 5, 'order', 'probe', 'active',"
            " now() + interval '15 minutes', now())",
            [stock_row.pk, stock_row.variant_id],
        )
        # then: reserved follows, and the low-stock rule it sets off ran all the same (the
        # sync runs with the owner's rights, for whom the list would count)
        assert Stock.objects.get(pk=stock_row.pk).reserved == 5
        assert alerts.get().cleared_at is None
        # when: it releases them, the same way
        cursor.execute(
            "UPDATE inventory_reservation SET status = 'released', closed_at = now()"
            " WHERE stock_id = %s",
            [stock_row.pk],
        )
    assert Stock.objects.get(pk=stock_row.pk).reserved == 0
    assert alerts.get().cleared_at is not None
