"""Who is acting, from where: carried in a context variable, sent to the database per transaction.

The database learns the context through `set_config('audit.context', ..., true)` prefixed to
each write statement (see `db.py`), so it is scoped to the transaction and never leaks to the
next user of a pooled connection.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .vocabulary import ACTOR_KINDS, SOURCES


@dataclass
class AuditContext:
    source: str
    actor_id: int | None = None
    actor_kind: str | None = None
    request_id: str | None = None
    ip: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    # Resolves (actor_id, actor_kind) on first write, so read-only requests cost no query.
    actor_resolver: Callable[[], tuple[int | None, str]] | None = None
    # A request's user can change mid-request (sign in, sign out): ask again at each write.
    follow_actor: bool = False
    _payload: str | None = field(default=None, init=False, repr=False)

    def resolve(self) -> None:
        if self.actor_resolver is not None:
            actor = self.actor_resolver()
            if actor != (self.actor_id, self.actor_kind):
                self.actor_id, self.actor_kind = actor
                self._payload = None
            if not self.follow_actor:
                self.actor_resolver = None
        if self.actor_kind is None:
            self.actor_kind = "system" if self.actor_id is None else "customer"

    def payload(self) -> str:
        """The JSON the trigger reads; rebuilt only when the actor changes."""
        self.resolve()
        if self._payload is None:
            self._payload = json.dumps(
                {
                    "source": self.source,
                    "actor_id": self.actor_id,
                    "actor_kind": self.actor_kind,
                    "request_id": self.request_id,
                    "ip": self.ip,
                    "extra": self.extra or None,
                },
                separators=(",", ":"),
                default=str,
            )
        return self._payload


_current: contextvars.ContextVar[AuditContext | None] = contextvars.ContextVar(
    "audit_context", default=None
)


def current() -> AuditContext | None:
    """The audit context in force, if any."""
    return _current.get()


@contextlib.contextmanager
def audit_context(
    *,
    source: str,
    actor_id: int | None = None,
    actor_kind: str | None = None,
    request_id: str | None = None,
    ip: str | None = None,
    extra: dict[str, Any] | None = None,
    actor_resolver: Callable[[], tuple[int | None, str]] | None = None,
    follow_actor: bool = False,
) -> Iterator[AuditContext]:
    """Run a block with the given actor and source recorded on every change it makes."""
    if source not in SOURCES:
        raise ValueError(f"unknown audit source {source!r}")
    if actor_kind is not None and actor_kind not in ACTOR_KINDS:
        raise ValueError(f"unknown actor kind {actor_kind!r}")
    ctx = AuditContext(
        source=source,
        actor_id=actor_id,
        actor_kind=actor_kind,
        request_id=request_id,
        ip=ip,
        extra=extra or {},
        actor_resolver=actor_resolver,
        follow_actor=follow_actor,
    )
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)


def actor_kind_for(user: Any) -> str:
    """Classify a user object as staff, customer or anonymous."""
    if user is None or not getattr(user, "is_authenticated", False):
        return "anonymous"
    return "staff" if getattr(user, "is_staff", False) else "customer"


def resolver_for_user_id(actor_id: int | None) -> Callable[[], tuple[int | None, str]]:
    """A resolver that looks up whether the acting user id belongs to staff."""

    def resolve() -> tuple[int | None, str]:
        if actor_id is None:
            return None, "system"
        from django.contrib.auth import get_user_model

        is_staff = (
            get_user_model()
            ._base_manager.filter(pk=actor_id)
            .values_list("is_staff", flat=True)
            .first()
        )
        return actor_id, "staff" if is_staff else "customer"

    return resolve
