"""Stock: on_hand moves only through the ledger; reservations never oversell."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from apps.auditing.dberrors import constraint_errors
from apps.catalog.cache import product_cache_invalidate

from ..errors import (
    OutOfStock,
    ReservationLimit,
    ReservationNotActive,
    StockChangeInvalid,
)
from ..locks import stock_lock
from ..models import Reservation, Stock, StockMovement, Warehouse

if TYPE_CHECKING:
    from apps.accounts.models import User


@dataclass(frozen=True)
class Line:
    variant_id: int
    quantity: int
    owner_id: str = ""


def availability_sync(stock_ids: Sequence[int]) -> None:
    """Keep catalog's in_stock flags (variant and product) in line with available stock."""
    if not stock_ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH touched AS (SELECT DISTINCT variant_id FROM inventory_stock WHERE id = ANY(%s)),
            variants AS (
                UPDATE catalog_productvariant v
                SET in_stock = EXISTS (
                    SELECT 1 FROM inventory_stock s JOIN inventory_warehouse w ON w.id = s.warehouse_id
                    WHERE s.variant_id = v.id AND w.is_active AND s.on_hand - s.reserved > 0)
                FROM touched WHERE v.id = touched.variant_id
                  AND v.in_stock IS DISTINCT FROM EXISTS (
                    SELECT 1 FROM inventory_stock s JOIN inventory_warehouse w ON w.id = s.warehouse_id
                    WHERE s.variant_id = v.id AND w.is_active AND s.on_hand - s.reserved > 0)
                RETURNING v.product_id, v.id, v.in_stock
            )
            SELECT DISTINCT product_id FROM variants
            """,
            [list(stock_ids)],
        )
        product_ids = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            """
            UPDATE catalog_product p SET in_stock = EXISTS (
                SELECT 1 FROM catalog_productvariant v
                WHERE v.product_id = p.id AND v.in_stock AND v.is_active AND v.deleted_at IS NULL)
            WHERE p.id = ANY(%s)
              AND p.in_stock IS DISTINCT FROM EXISTS (
                SELECT 1 FROM catalog_productvariant v
                WHERE v.product_id = p.id AND v.in_stock AND v.is_active AND v.deleted_at IS NULL)
            RETURNING p.id
            """,
            [product_ids],
        )
        changed = [row[0] for row in cursor.fetchall()]
    if changed:
        product_cache_invalidate(*changed)


@transaction.atomic
def stock_for(*, variant_id: int, warehouse: Warehouse) -> Stock:
    """The stock row of a variant in a warehouse (created at zero when missing)."""
    stock, _ = Stock.objects.get_or_create(variant_id=variant_id, warehouse=warehouse)
    return stock


def _ledger_errors(stock_id: int) -> dict:
    def short():
        return OutOfStock(
            "Not enough stock on hand for this change.", stock_id=stock_id
        )

    return {
        "inventory_stock_on_hand_gte_0": short,
        "inventory_stock_reserved_lte_on_hand": short,
        "inventory_movement_quantity_nonzero": lambda: StockChangeInvalid(
            "A stock movement must change the quantity."
        ),
        "inventory_movement_sign_matches_kind": lambda: StockChangeInvalid(
            "Receipts, returns and transfers in add units; sales and transfers out remove them."
        ),
    }


def _move(
    stock_id: int,
    kind: str,
    quantity: int,
    *,
    reason: str = "",
    reference_type: str = "",
    reference_id: str = "",
    actor: User | None = None,
) -> StockMovement:
    with constraint_errors(_ledger_errors(stock_id)):
        return StockMovement.objects.create(
            stock_id=stock_id,
            kind=kind,
            quantity=quantity,
            reason=reason,
            reference_type=reference_type,
            reference_id=str(reference_id),
            actor_id=actor.pk if actor else None,
        )


@transaction.atomic
def stock_receive(
    *,
    stock: Stock,
    quantity: int,
    reference_type: str = "",
    reference_id: str = "",
    actor: User | None = None,
    reason: str = "",
) -> StockMovement:
    """Goods in: on_hand grows, the ledger records a receipt."""
    if quantity <= 0:
        raise StockChangeInvalid("A receipt must add at least one unit.")
    movement = _move(
        stock.pk,
        StockMovement.Kind.RECEIPT,
        quantity,
        reason=reason,
        reference_type=reference_type,
        reference_id=reference_id,
        actor=actor,
    )
    availability_sync([stock.pk])
    return movement


@transaction.atomic
def stock_adjust(
    *,
    stock: Stock,
    quantity: int,
    reason: str,
    actor: User | None = None,
    kind: str = StockMovement.Kind.ADJUSTMENT,
) -> StockMovement:
    """Count correction by staff: a signed change with a required reason."""
    if not reason.strip():
        raise StockChangeInvalid("A reason is required for a stock adjustment.")
    if quantity == 0:
        raise StockChangeInvalid("An adjustment must change the quantity.")
    stock_lock([stock.pk])
    movement = _move(
        stock.pk,
        kind,
        quantity,
        reason=reason.strip(),
        reference_type="staff",
        reference_id=str(actor.pk if actor else ""),
        actor=actor,
    )
    availability_sync([stock.pk])
    return movement


@transaction.atomic
def stock_transfer(
    *,
    source: Stock,
    target: Stock,
    quantity: int,
    actor: User | None = None,
    reason: str = "",
) -> tuple[StockMovement, StockMovement]:
    """Move units between warehouses: two movements, one transaction."""
    if source.variant_id != target.variant_id or source.pk == target.pk:
        raise StockChangeInvalid(
            "A transfer moves one variant between two different warehouses."
        )
    if quantity <= 0:
        raise StockChangeInvalid("A transfer must move at least one unit.")
    stock_lock([source.pk, target.pk])
    reference = f"{source.pk}->{target.pk}@{timezone.now().isoformat()}"
    out = _move(
        source.pk,
        StockMovement.Kind.TRANSFER_OUT,
        -quantity,
        reason=reason,
        reference_type="transfer",
        reference_id=reference[:40],
        actor=actor,
    )
    into = _move(
        target.pk,
        StockMovement.Kind.TRANSFER_IN,
        quantity,
        reason=reason,
        reference_type="transfer",
        reference_id=reference[:40],
        actor=actor,
    )
    availability_sync([source.pk, target.pk])
    return out, into


def _check_customer_cap(customer_id: int | None, variant_ids: Sequence[int]) -> None:
    if customer_id is None:
        return
    cap = settings.INVENTORY_MAX_ACTIVE_RESERVATIONS_PER_CUSTOMER
    with connection.cursor() as cursor:
        for variant_id in sorted(set(variant_ids)):
            # Serialise this customer's reservations of this variant: the count stays true.
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)",
                [customer_id % 2**31, variant_id % 2**31],
            )
        cursor.execute(
            "SELECT variant_id, count(*) FROM inventory_reservation WHERE status = 'active'"
            " AND customer_id = %s AND variant_id = ANY(%s) GROUP BY variant_id",
            [customer_id, sorted(set(variant_ids))],
        )
        for variant_id, count in cursor.fetchall():
            if count >= cap:
                raise ReservationLimit(variant_id=variant_id)


RESERVE_ATTEMPTS = 3


def _plan(lines: Sequence[Line]) -> tuple[dict[int, int], list[tuple[int, int, Line]]]:
    """Allocate lines to stock rows by warehouse priority from a fresh read (no locks)."""
    variant_ids = sorted({line.variant_id for line in lines})
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.id, s.variant_id, s.on_hand - s.reserved, w.priority FROM inventory_stock s"
            " JOIN inventory_warehouse w ON w.id = s.warehouse_id"
            " WHERE s.variant_id = ANY(%s) AND w.is_active AND s.on_hand > s.reserved",
            [variant_ids],
        )
        rows = cursor.fetchall()
    candidates: dict[int, list[list[int]]] = defaultdict(list)
    for stock_id, variant_id, available, priority in rows:
        candidates[variant_id].append([priority, stock_id, available])
    allocation: dict[int, int] = defaultdict(int)
    plan: list[tuple[int, int, Line]] = []
    for line in lines:
        need = line.quantity
        for entry in sorted(candidates[line.variant_id]):
            take = min(need, entry[2])
            if take > 0:
                entry[2] -= take
                allocation[entry[1]] += take
                plan.append((entry[1], take, line))
                need -= take
            if need == 0:
                break
        if need > 0:
            raise OutOfStock(variant_id=line.variant_id, requested=line.quantity)
    return allocation, plan


def _emptied(stock_ids: Iterable[int]) -> list[int]:
    """The stock rows among these with nothing left to reserve (their in_stock flag may fall)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM inventory_stock WHERE id = ANY(%s) AND on_hand <= reserved",
            [sorted(stock_ids)],
        )
        return [row[0] for row in cursor.fetchall()]


class _ClaimLost(OutOfStock):
    """A planned row had lost its units by the time the reservation claimed them."""


def stock_reserve(
    *,
    lines: Sequence[Line],
    owner_type: str,
    owner_id: str = "",
    customer_id: int | None = None,
    ttl: dt.timedelta | None = None,
) -> list[Reservation]:
    """Reserve every line or nothing, across warehouses by priority; raise OutOfStock otherwise.

    Reads availability without locks, then writes the reservations: their insert raises
    `reserved` on the stock rows (a trigger: one UPDATE, rows locked in stock-id order), and
    the CHECK `reserved <= on_hand` refuses a row a concurrent buyer emptied first; the plan
    is then made again from fresh data. Row locks are taken last, in a fixed order, and held
    until commit.

    Not one transaction around the attempts: each attempt is its own transaction (a savepoint
    when a caller's transaction is open), so a lost race rolls back just that attempt and a
    reservation on its own sends no SAVEPOINT round trips while it holds the hot stock row.
    """
    if not lines or any(line.quantity <= 0 for line in lines):
        raise StockChangeInvalid("Every line needs a positive quantity.")
    ttl = ttl or dt.timedelta(seconds=settings.INVENTORY_RESERVATION_TTL)
    expires_at = timezone.now() + ttl
    for _attempt in range(RESERVE_ATTEMPTS):
        try:
            return _reserve_once(lines, owner_type, owner_id, customer_id, expires_at)
        except _ClaimLost:
            continue
    raise OutOfStock(variant_id=lines[0].variant_id, requested=lines[0].quantity)


def _reserve_once(
    lines: Sequence[Line],
    owner_type: str,
    owner_id: str,
    customer_id: int | None,
    expires_at: dt.datetime,
) -> list[Reservation]:
    on_its_own = not connection.in_atomic_block
    with constraint_errors({"inventory_stock_reserved_lte_on_hand": _ClaimLost}):
        if on_its_own:
            # A reservation on its own is a soft, expiring hold: its commit need not wait for
            # the WAL flush while the hot stock row stays locked. A crash can only lose the
            # last fraction of a second of holds, whole (never half a reservation, never
            # stock). Inside a larger transaction (checkout) the caller's durability applies.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit = off")
        _check_customer_cap(customer_id, [line.variant_id for line in lines])
        allocation, plan = _plan(lines)
        reservations = Reservation.objects.bulk_create(
            [
                Reservation(
                    stock_id=stock_id,
                    variant_id=line.variant_id,
                    quantity=quantity,
                    owner_type=owner_type,
                    owner_id=line.owner_id or owner_id,
                    customer_id=customer_id,
                    expires_at=expires_at,
                )
                for stock_id, quantity, line in plan
            ]
        )
        emptied = _emptied(allocation)
        if emptied:
            availability_sync(emptied)
    return reservations


def _close(reservation_ids: Sequence[int], status: str) -> list[Reservation]:
    rows = list(
        Reservation.objects.select_for_update()
        .filter(pk__in=reservation_ids)
        .order_by("pk")
    )
    if any(r.status != Reservation.Status.ACTIVE for r in rows) or len(rows) != len(
        set(reservation_ids)
    ):
        raise ReservationNotActive()
    # Leaving `active` gives the units back: the trigger lowers reserved on the stock rows,
    # locked in id order.
    Reservation.objects.filter(pk__in=[r.pk for r in rows]).update(
        status=status, closed_at=timezone.now()
    )
    return rows


@transaction.atomic
def reservation_commit(
    *,
    reservation_ids: Sequence[int],
    reference_type: str = "order_line",
    actor: User | None = None,
) -> list[StockMovement]:
    """Reserved → shipped out: reserved and on_hand both drop, a sale is written to the ledger."""
    # reserved drops first (closing the reservations), so on_hand can then drop without
    # passing under it.
    rows = _close(reservation_ids, Reservation.Status.COMMITTED)
    movements = [
        _move(
            r.stock_id,
            StockMovement.Kind.SALE,
            -r.quantity,
            reference_type=reference_type,
            reference_id=r.owner_id,
            actor=actor,
        )
        for r in rows
    ]
    availability_sync([r.stock_id for r in rows])
    return movements


@transaction.atomic
def reservation_release(
    *, reservation_ids: Sequence[int], actor: User | None = None
) -> int:
    """Give reserved units back (cancelled checkout, staff action)."""
    rows = _close(reservation_ids, Reservation.Status.RELEASED)
    availability_sync(sorted({r.stock_id for r in rows}))
    return len(rows)


def reservations_of(*, owner_type: str, owner_id: str) -> list[Reservation]:
    """The active reservations an owner (an order) holds, in id order."""
    return list(
        Reservation.objects.filter(
            owner_type=owner_type, owner_id=owner_id, status=Reservation.Status.ACTIVE
        ).order_by("pk")
    )


@transaction.atomic
def reservations_hold_until(
    *, owner_type: str, owner_id: str, until: dt.datetime
) -> int:
    """Keep an owner's active reservations past their expiry (a paid order waits to ship)."""
    return Reservation.objects.filter(
        owner_type=owner_type, owner_id=owner_id, status=Reservation.Status.ACTIVE
    ).update(expires_at=until)


@transaction.atomic
def reservation_commit_units(
    *,
    owner_type: str,
    owner_id: str,
    variant_id: int,
    quantity: int,
    reference_type: str = "order_line",
    reference_id: str = "",
    actor: User | None = None,
) -> list[StockMovement]:
    """Ship `quantity` units of a variant an owner holds: commit whole reservations first, and
    when one holds more than is left to ship, commit it and hold the rest in a new one."""
    rows = list(
        Reservation.objects.select_for_update()
        .filter(
            owner_type=owner_type,
            owner_id=owner_id,
            variant_id=variant_id,
            status=Reservation.Status.ACTIVE,
        )
        .order_by("pk")
    )
    if quantity <= 0 or sum(r.quantity for r in rows) < quantity:
        raise ReservationNotActive("Fewer units are reserved than this shipment takes.")
    movements, left = [], quantity
    for row in rows:
        if left == 0:
            break
        take = min(left, row.quantity)
        _close([row.pk], Reservation.Status.COMMITTED)
        if take < row.quantity:
            # The units not shipped yet stay held, on the same stock row until the same time.
            Reservation.objects.create(
                stock_id=row.stock_id,
                variant_id=row.variant_id,
                quantity=row.quantity - take,
                owner_type=row.owner_type,
                owner_id=row.owner_id,
                customer_id=row.customer_id,
                expires_at=row.expires_at,
            )
        movements.append(
            _move(
                row.stock_id,
                StockMovement.Kind.SALE,
                -take,
                reference_type=reference_type,
                reference_id=reference_id or row.owner_id,
                actor=actor,
            )
        )
        left -= take
    availability_sync(sorted({r.stock_id for r in rows}))
    return movements


def reservations_expire(*, batch_size: int, now: dt.datetime | None = None) -> int:
    """Expire one batch of due reservations; safe on several workers at once (SKIP LOCKED)."""
    now = now or timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, stock_id FROM inventory_reservation"
            " WHERE status = 'active' AND expires_at <= %s ORDER BY expires_at, id LIMIT %s FOR UPDATE SKIP LOCKED",
            [now, batch_size],
        )
        due = cursor.fetchall()
        if not due:
            return 0
        # One statement for the batch: its trigger gives the units back with one aggregated
        # UPDATE of the stock rows, locked in id order.
        cursor.execute(
            "UPDATE inventory_reservation SET status = 'expired', closed_at = %s WHERE id = ANY(%s)",
            [now, [row[0] for row in due]],
        )
        availability_sync(sorted({stock_id for _id, stock_id in due}))
        return len(due)


@transaction.atomic
def stock_reorder_set(
    *,
    stock: Stock,
    reorder_point: int,
    reorder_quantity: int,
    actor: User | None = None,
) -> Stock:
    """Set when a low-stock alert is raised and how much to reorder (alerts follow at once).

    The values the row holds already change nothing: no write, no audit event (the admin's
    Save of an unchanged page).
    """
    stock_lock([stock.pk])
    Stock.objects.filter(pk=stock.pk).exclude(
        reorder_point=reorder_point, reorder_quantity=reorder_quantity
    ).update(
        reorder_point=reorder_point,
        reorder_quantity=reorder_quantity,
        updated_at=timezone.now(),
    )
    return Stock.objects.get(pk=stock.pk)
