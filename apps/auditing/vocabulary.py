"""The audit trail's fixed vocabularies, written once for Python.

The database spells the same lists once, as the domains `auditing_source` and
`auditing_actor_kind` (sql/trail.sql); a test keeps the two equal.
"""

from django.db import models


class Source(models.TextChoices):
    """Where a change came from."""

    WEB = "web"
    ADMIN = "admin"
    TASK = "task"
    COMMAND = "command"
    SQL = "sql"


class ActorKind(models.TextChoices):
    """Who made it."""

    CUSTOMER = "customer"
    STAFF = "staff"
    SYSTEM = "system"
    ANONYMOUS = "anonymous"


class Action(models.TextChoices):
    """What a row change did (application events have names of their own: login, ...)."""

    INSERT = "insert"
    UPDATE = "update"
    DELETE = "delete"
    SOFT_DELETE = "soft_delete"
    RESTORE = "restore"


SOURCES = tuple(Source.values)
ACTOR_KINDS = tuple(ActorKind.values)
