"""Staff history (django-simple-history) with append-only tables and the actor recorded."""

from __future__ import annotations

import pgtrigger
from django.db import models

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
