"""Staff history (django-simple-history) with append-only tables and the actor recorded."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pgtrigger
from django.db import connection, models
from django.utils import timezone
from psycopg import sql

from .context import current
from .triggers import append_only


class _Actor:
    """What simple-history stores as the history user: just the id, no query needed."""

    def __init__(self, pk: int):
        self.pk = pk


def _history_user(instance=None, request=None, **kwargs):
    if request is not None and getattr(request, "user", None) is not None:
        if request.user.is_authenticated:
            return _Actor(request.user.pk)
    ctx = current()
    if ctx is not None:
        ctx.resolve()
        if ctx.actor_id is not None:
            return _Actor(ctx.actor_id)
    return None


def _user_getter(historical_instance):
    from django.contrib.auth import get_user_model

    if historical_instance.history_user_id is None:
        return None
    return (
        get_user_model()
        ._base_manager.filter(pk=historical_instance.history_user_id)
        .first()
    )


def _user_setter(historical_instance, user):
    historical_instance.history_user_id = user.pk if user is not None else None


def track_history(model: type[models.Model], **options) -> type[models.Model]:
    """Register staff history on `model`; its history table refuses UPDATE and DELETE."""
    from simple_history import register

    register(
        model,
        get_user=_history_user,
        history_user_id_field=models.BigIntegerField(
            null=True, blank=True, db_index=True
        ),
        history_user_getter=_user_getter,
        history_user_setter=_user_setter,
        **options,
    )
    history_model = model.history.model
    pgtrigger.register(*append_only("history_append_only"))(history_model)
    return model


def has_history(model: type[models.Model]) -> bool:
    """Whether `model` keeps staff history (registered with `track_history`)."""
    return hasattr(model._meta, "simple_history_manager_attribute")


def bulk_create_with_history(
    model: type[models.Model], objs: list, *, batch_size: int | None = None
) -> list:
    """`bulk_create` for seeds and imports: each new row also gets its first history entry.

    A row created without one has no version to go back to, so its first edit could not be
    reverted. Rows of a model without history are created plainly. The entries name the
    audit context's actor, as a save would.
    """
    if not has_history(model):
        return model._default_manager.bulk_create(objs, batch_size=batch_size)
    from simple_history.utils import bulk_create_with_history as create

    return create(objs, model, batch_size=batch_size)


def ids_reserve(model: type[models.Model], count: int) -> list[int]:
    """`count` fresh primary keys from the model's own sequence, for rows written by COPY."""
    if count <= 0:
        return []
    table = model._meta.db_table
    column = model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s))"
            " FROM generate_series(1, %s) ORDER BY 1",
            [table, column, count],
        )
        return [row[0] for row in cursor.fetchall()]


def _copy(cursor, table: str, columns: Sequence[str], rows: Iterable[tuple]) -> None:
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    with cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def copy_with_history(
    model: type[models.Model], columns: Sequence[str], rows: Sequence[tuple]
) -> None:
    """COPY for seeds: rows (with their ids, see `ids_reserve`) and their first history entries.

    `columns` are attnames; a concrete column left out gets the field's default (the time now
    for `auto_now` / `auto_now_add`; null, for a trigger to fill, where there is none), a JSON
    value is adapted as the ORM would. The database
    rules stay on: constraints and row triggers check every row, the statement-level audit
    trigger captures the COPY as one insert, with the audit context of the transaction (sent
    first: COPY is no statement the execute wrapper can prefix). Must run in a transaction.
    A model with staff history gets one "+" entry per row, with the context's actor, as
    `bulk_create_with_history` writes.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("copy_with_history runs inside transaction.atomic()")
    now = timezone.now()
    fields = {f.attname: f for f in model._meta.concrete_fields}
    pk = model._meta.pk.attname
    if has_history(model) and pk not in columns:
        raise ValueError("rows with history need their ids (ids_reserve)")
    # Left out, the primary key comes from its sequence.
    missing = [name for name in fields if name not in columns and name != pk]
    defaults = tuple(
        now
        if getattr(fields[name], "auto_now", False)
        or getattr(fields[name], "auto_now_add", False)
        else fields[name].get_db_prep_save(fields[name].get_default(), connection)
        for name in missing
    )
    adapt = [
        (i, fields[name])
        for i, name in enumerate(columns)
        if isinstance(fields[name], models.JSONField)
    ]
    if adapt or defaults:
        rows = [_adapted(row, adapt, defaults) for row in rows]
    names = [*columns, *missing]
    with connection.cursor() as cursor:
        ctx = current()
        if ctx is not None:
            cursor.execute(
                "SELECT set_config('audit.context', %s, true)", [ctx.payload()]
            )
        _copy(cursor, model._meta.db_table, names, rows)
        if has_history(model):
            _copy_history(cursor, model, names, rows, now)


def _adapted(row: tuple, adapt, defaults: tuple) -> tuple:
    if adapt:
        row = list(row)
        for i, field in adapt:
            row[i] = field.get_db_prep_save(row[i], connection)
    return (*row, *defaults)


def _copy_history(cursor, model, names: list[str], rows: list[tuple], now) -> None:
    history = model.history.model
    user = _history_user()
    tracked = [
        f.attname
        for f in history._meta.concrete_fields
        if not f.attname.startswith("history_") and f.attname in names
    ]
    picks = [names.index(name) for name in tracked]
    extra = ("+", now, None, user.pk if user is not None else None)
    _copy(
        cursor,
        history._meta.db_table,
        [
            *(history._meta.get_field(n).column for n in tracked),
            "history_type",
            "history_date",
            "history_change_reason",
            "history_user_id",
        ],
        ((*(row[i] for i in picks), *extra) for row in rows),
    )
