"""The one database-error helper: refusals become ShopErrors by constraint name, nothing else."""

from __future__ import annotations

import pgtrigger
import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from apps.accounts.errors import RoleCycle
from apps.accounts.models import Role, User
from apps.auditing.dberrors import constraint_errors
from apps.auditing.errors import ShopError
from apps.auditing.roles import as_owner
from apps.catalog.errors import PriceExists
from apps.catalog.models import Price
from tests.catalog.factories import ProductVariantFactory

pytestmark = pytest.mark.django_db


class Refused(ShopError):
    code = "refused_in_test"
    default_message = "Refused in a test."


def _negative_price(variant) -> None:
    Price.objects.create(variant=variant, currency="EUR", amount=-1)


def test_a_mapped_constraint_raises_its_shop_error_from_the_database_error():
    variant = ProductVariantFactory()
    with pytest.raises(Refused) as caught:
        with constraint_errors({"catalog_price_amount_gte_0": Refused}):
            _negative_price(variant)
    assert caught.value.code == "refused_in_test"
    assert isinstance(caught.value.__cause__, IntegrityError)
    assert Price.objects.filter(variant=variant, amount__lt=0).count() == 0


def test_a_factory_builds_the_error_with_details():
    variant = ProductVariantFactory()
    errors = {
        "catalog_price_amount_gte_0": lambda: Refused("No negative prices.", sku="X")
    }
    with pytest.raises(Refused) as caught:
        with constraint_errors(errors):
            _negative_price(variant)
    assert (caught.value.message, caught.value.details) == (
        "No negative prices.",
        {"sku": "X"},
    )


def test_an_unmapped_constraint_passes_through_unchanged():
    variant = ProductVariantFactory()
    with pytest.raises(IntegrityError) as caught:
        with constraint_errors({"catalog_price_one_per_currency": PriceExists}):
            _negative_price(variant)
    assert type(caught.value) is IntegrityError
    assert caught.value.__cause__.diag.constraint_name == "catalog_price_amount_gte_0"


def test_the_mapping_is_by_name_not_by_message_text():
    # The message names the constraint; a key that is only part of the name never matches.
    variant = ProductVariantFactory()
    with pytest.raises(IntegrityError) as caught:
        with constraint_errors({"catalog_price_amount": Refused, "gte_0": Refused}):
            _negative_price(variant)
    assert "catalog_price_amount_gte_0" in str(caught.value)


def test_the_callers_transaction_stays_usable_after_a_refusal():
    variant = ProductVariantFactory()
    with transaction.atomic():
        with pytest.raises(Refused):
            with constraint_errors({"catalog_price_amount_gte_0": Refused}):
                _negative_price(variant)
        Price.objects.update_or_create(
            variant=variant, currency="USD", defaults={"amount": 3}
        )
    assert Price.objects.get(variant=variant, currency="USD").amount == 3


def test_errors_that_are_not_from_the_database_pass_through():
    with pytest.raises(KeyError):
        with constraint_errors({"catalog_price_amount_gte_0": Refused}):
            raise KeyError("x")


def test_a_block_without_error_commits_its_work():
    variant = ProductVariantFactory()
    with constraint_errors({"catalog_price_amount_gte_0": Refused}):
        Price.objects.update_or_create(
            variant=variant, currency="GBP", defaults={"amount": 4}
        )
    assert Price.objects.filter(variant=variant, currency="GBP").exists()


# --- our triggers name their rule ------------------------------------------------------------


def _trigger_refusal(sql: str, params: list, name: str) -> None:
    with pytest.raises(Refused) as caught:
        with constraint_errors({name: Refused}), connection.cursor() as cursor:
            cursor.execute(sql, params)
    assert isinstance(caught.value.__cause__, DatabaseError)
    assert caught.value.__cause__.__cause__.diag.constraint_name == name


def test_role_cycle_trigger_names_accounts_role_no_cycle():
    parent = Role.objects.create(name="Parent")
    child = Role.objects.create(name="Child", parent=parent)
    _trigger_refusal(
        "UPDATE accounts_role SET parent_id = %s WHERE id = %s",
        [child.pk, parent.pk],
        "accounts_role_no_cycle",
    )
    assert Role.objects.get(pk=parent.pk).parent_id is None


@pytest.mark.django_db(transaction=True)
def test_role_own_parent_check_names_accounts_role_not_own_parent():
    # The cycle trigger runs first and refuses this too; the CHECK stands behind it.
    role = Role.objects.create(name="Alone")
    with as_owner(), pgtrigger.ignore("accounts.Role:role_no_cycle"):
        _trigger_refusal(
            "UPDATE accounts_role SET parent_id = id WHERE id = %s",
            [role.pk],
            "accounts_role_not_own_parent",
        )
    assert Role.objects.get(pk=role.pk).parent_id is None


def test_preferences_trigger_names_accounts_user_preferences_known_keys():
    user = User.objects.create_user(email="prefs@example.com", password="x")
    _trigger_refusal(
        'UPDATE accounts_user SET preferences = \'{"colour": "red"}\' WHERE id = %s',
        [user.pk],
        "accounts_user_preferences_known_keys",
    )
    assert User.objects.get(pk=user.pk).preferences == {}


def test_stock_trigger_names_inventory_stock_on_hand_from_ledger():
    from apps.inventory.models import Stock, Warehouse

    variant = ProductVariantFactory()
    warehouse = Warehouse.objects.create(code="trg", name="Trigger")
    stock = Stock.objects.create(variant=variant, warehouse=warehouse)
    _trigger_refusal(
        "UPDATE inventory_stock SET on_hand = 5 WHERE id = %s",
        [stock.pk],
        "inventory_stock_on_hand_from_ledger",
    )
    _trigger_refusal(
        "INSERT INTO inventory_stock (variant_id, warehouse_id, on_hand, reserved,"
        " reorder_point, reorder_quantity, updated_at)"
        " VALUES (%s, %s, 3, 0, 0, 0, now())",
        [variant.pk, Warehouse.objects.create(code="trg2", name="Other").pk],
        "inventory_stock_on_hand_from_ledger",
    )
    assert Stock.objects.get(pk=stock.pk).on_hand == 0


@pytest.mark.django_db(transaction=True)
def test_role_save_maps_both_role_rules_to_role_cycle():
    parent = Role.objects.create(name="Top")
    child = Role.objects.create(name="Below", parent=parent)
    from apps.accounts import services

    parent.parent = child
    with pytest.raises(RoleCycle):
        services.role_save(role=parent)
    alone = Role.objects.create(name="Self")
    alone.parent = alone
    with pytest.raises(RoleCycle):
        services.role_save(role=alone)  # refused by the trigger
    with (
        as_owner(),
        pgtrigger.ignore("accounts.Role:role_no_cycle"),
        pytest.raises(RoleCycle),
    ):
        services.role_save(role=alone)  # refused by the CHECK behind it
    assert list(
        Role.objects.filter(pk__in=[parent.pk, alone.pk]).values_list(
            "parent_id", flat=True
        )
    ) == [None, None]


# --- every name a service maps is a rule the database has -----------------------------------


def _mapped_names() -> dict[str, str]:
    from apps.accounts import services as accounts
    from apps.accounts import throttle
    from apps.catalog.services import _common, prices, products, reviews, variants
    from apps.inventory.services import stock

    modules = [accounts, throttle, _common, prices, products, reviews, variants]
    names = {
        name: f"{module.__name__}.{attr}"
        for module in modules
        for attr, value in vars(module).items()
        if attr.endswith("_ERRORS") and isinstance(value, dict)
        for name in value
    }
    names.update({name: "inventory ledger" for name in stock._ledger_errors(0)})
    return names


def test_every_mapped_name_is_a_constraint_or_a_trigger_rule():
    with connection.cursor() as cursor:
        # Partial unique constraints are unique indexes: PostgreSQL reports the index name.
        cursor.execute(
            "SELECT conname FROM pg_constraint UNION"
            " SELECT relname FROM pg_class WHERE relkind = 'i'"
        )
        constraints = {row[0] for row in cursor.fetchall()}
        cursor.execute(
            "SELECT prosrc FROM pg_proc WHERE prosrc LIKE '%%CONSTRAINT = %%'"
        )
        sources = " ".join(row[0] for row in cursor.fetchall())
    mapped = _mapped_names()
    assert len(mapped) >= 15
    unknown = {
        name: where
        for name, where in mapped.items()
        if name not in constraints and f"CONSTRAINT = '{name}'" not in sources
    }
    assert unknown == {}


def test_restore_refused_by_the_unique_index_is_a_restore_conflict(monkeypatch):
    from apps.auditing.errors import RestoreConflict
    from tests.testapp.models import Widget

    first = Widget.objects.create(name="clash")
    first.soft_delete()
    Widget.objects.create(name="clash")
    # As if the duplicate arrived after the check: the alive-unique index refuses.
    monkeypatch.setattr(Widget, "check_restorable", lambda self: None)
    first = Widget.all_objects.get(pk=first.pk)
    with pytest.raises(RestoreConflict, match="testapp_widget_name_unique_alive"):
        first.restore()
    assert first.deleted_at is not None
    assert Widget.all_objects.get(pk=first.pk).deleted_at is not None
