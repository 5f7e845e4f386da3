"""Columns that never change, or once set never change: a raw UPDATE cannot rewrite them."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from apps.accounts import services
from apps.accounts.models import AccountToken
from apps.inventory.models import Reservation, Stock
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def _refused(statement: str, params) -> str:
    with pytest.raises(DatabaseError) as refused, transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
    return refused.value.__cause__.diag.constraint_name


def test_a_used_token_cannot_be_made_usable_again():
    user = UserFactory()
    raw = services.email_verification_send(user=user)
    services.email_verify(raw_token=raw)
    token = AccountToken.objects.get(user=user)
    assert token.used_at is not None

    for statement in (
        "UPDATE accounts_accounttoken SET used_at = NULL WHERE id = %s",
        "UPDATE accounts_accounttoken SET used_at = now() + interval '1 day' WHERE id = %s",
    ):
        assert (
            _refused(statement, [token.pk]) == "accounts_accounttoken_token_spent_once"
        )
    assert AccountToken.objects.get(pk=token.pk).used_at == token.used_at


def test_a_tokens_lifetime_and_owner_are_fixed_at_issue():
    user, other = UserFactory(), UserFactory()
    services.email_verification_send(user=user)
    token = AccountToken.objects.get(user=user)
    for statement, params in (
        (
            "UPDATE accounts_accounttoken SET expires_at = expires_at + interval '30 days'"
            " WHERE id = %s",
            [token.pk],
        ),
        (
            "UPDATE accounts_accounttoken SET user_id = %s WHERE id = %s",
            [other.pk, token.pk],
        ),
    ):
        assert _refused(statement, params) == "accounts_accounttoken_token_immutable"
    unchanged = AccountToken.objects.get(pk=token.pk)
    assert (unchanged.user_id, unchanged.expires_at) == (user.pk, token.expires_at)


def test_a_stock_row_cannot_move_to_another_variant_or_warehouse(shop_rows):
    stock = Stock.objects.order_by("pk").first()
    other_variant = (
        Stock.objects.exclude(variant_id=stock.variant_id).first().variant_id
    )
    other_warehouse = (
        Stock.objects.exclude(warehouse_id=stock.warehouse_id).first().warehouse_id
    )
    for column, value in (
        ("variant_id", other_variant),
        ("warehouse_id", other_warehouse),
    ):
        statement = f"UPDATE inventory_stock SET {column} = %s WHERE id = %s"
        assert (
            _refused(statement, [value, stock.pk])
            == "inventory_stock_placement_immutable"
        )
    unchanged = Stock.objects.get(pk=stock.pk)
    assert (unchanged.variant_id, unchanged.warehouse_id) == (
        stock.variant_id,
        stock.warehouse_id,
    )


def test_a_stock_rows_reserved_is_never_written_directly(shop_rows):
    held = Reservation.objects.filter(status="active").order_by("pk").first()
    stock = Stock.objects.get(pk=held.stock_id)
    assert stock.reserved > 0
    for statement in (
        "UPDATE inventory_stock SET reserved = 0 WHERE id = %s",
        "UPDATE inventory_stock SET reserved = reserved + 1 WHERE id = %s",
    ):
        assert (
            _refused(statement, [stock.pk])
            == "inventory_stock_reserved_from_reservations"
        )
    assert Stock.objects.get(pk=stock.pk).reserved == stock.reserved


def test_a_reservation_keeps_its_stock_row_variant_and_quantity(shop_rows):
    held = Reservation.objects.filter(status="active").order_by("pk").first()
    other = Stock.objects.exclude(variant_id=held.variant_id).order_by("pk").first()
    for column, value in (
        ("stock_id", other.pk),
        ("variant_id", other.variant_id),
        ("quantity", held.quantity + 1),
    ):
        statement = f"UPDATE inventory_reservation SET {column} = %s WHERE id = %s"
        assert (
            _refused(statement, [value, held.pk])
            == "inventory_reservation_claim_immutable"
        )
    kept = Reservation.objects.get(pk=held.pk)
    assert (kept.stock_id, kept.variant_id, kept.quantity) == (
        held.stock_id,
        held.variant_id,
        held.quantity,
    )
