"""Declarative triggers the other apps attach to their models with pgtrigger.

    class Meta:
        triggers = [*audited(exclude=["password"]), *soft_delete_trigger()]

Every audited table calls the ONE generic function `auditing_capture()` (created by the
auditing app's first migration), from three statement-level triggers that see the whole
statement's rows through transition tables: a bulk UPDATE of 100k rows costs two set-based
captures in the inbox (one per 50,000 rows, only the changed columns), not 100k function
calls. See docs/auditing.md.
"""

from __future__ import annotations

from collections.abc import Iterable

import pgtrigger

CAPTURE_FUNCTION = "auditing_capture"


def _refusal(rule: str, message: str, errcode: str) -> str:
    """The body of a trigger that refuses: its rule's name is the constraint name a service
    maps to a ShopError (`apps.auditing.dberrors`); `%` in `message` is the table."""
    return f"""
            RAISE EXCEPTION '{rule}: {message}', TG_TABLE_NAME
                USING ERRCODE = '{errcode}', CONSTRAINT = '{rule}';
        """


class AuditTrigger(pgtrigger.Trigger):
    """AFTER <op> FOR EACH STATEMENT EXECUTE auditing_capture(<pk column>, <excluded columns>)."""

    when = pgtrigger.After
    level = pgtrigger.Statement
    # pgtrigger always emits a function of its own; the trigger executes the shared one.
    func = "RETURN NULL;"

    def __init__(
        self, *, name: str, operation, referencing, exclude: Iterable[str] = ()
    ):
        self.exclude = tuple(sorted(exclude))
        super().__init__(name=name, operation=operation, referencing=referencing)

    def render_execute(self, model) -> str:
        pk = model._meta.pk.column
        excluded = []
        for name in self.exclude:
            field = model._meta.get_field(name)
            excluded.append(field.column)
        array = "{" + ",".join(excluded) + "}"
        return f"{CAPTURE_FUNCTION}('{pk}', '{array}')"


def audited(*, exclude: Iterable[str] = ()) -> list[pgtrigger.Trigger]:
    """The audit triggers for a model, and its key made immutable; `exclude` names sensitive
    fields never copied."""
    exclude = tuple(exclude)
    return [
        PkImmutable(),
        AuditTrigger(
            name="audit_insert",
            operation=pgtrigger.Insert,
            referencing=pgtrigger.Referencing(new="new_rows"),
            exclude=exclude,
        ),
        AuditTrigger(
            name="audit_update",
            operation=pgtrigger.Update,
            referencing=pgtrigger.Referencing(old="old_rows", new="new_rows"),
            exclude=exclude,
        ),
        AuditTrigger(
            name="audit_delete",
            operation=pgtrigger.Delete,
            referencing=pgtrigger.Referencing(old="old_rows"),
            exclude=exclude,
        ),
    ]


class SoftDeleteTrigger(pgtrigger.Trigger):
    """BEFORE DELETE: a raw DELETE sets `deleted_at` instead of removing the row."""

    when = pgtrigger.Before
    operation = pgtrigger.Delete
    level = pgtrigger.Row

    def __init__(self, *, name: str = "soft_delete", field: str = "deleted_at"):
        self.field = field
        super().__init__(name=name)

    def get_func(self, model) -> str:
        table = pgtrigger.utils.quote(model._meta.db_table)
        column = pgtrigger.utils.quote(model._meta.get_field(self.field).column)
        pk = pgtrigger.utils.quote(model._meta.pk.column)
        return f"""
            IF OLD.{column} IS NULL THEN
                UPDATE {table} SET {column} = now() WHERE {pk} = OLD.{pk};
            END IF;
            RETURN NULL;
        """


class NoTruncate(pgtrigger.Trigger):
    """BEFORE TRUNCATE: a table whose rows are kept (ledger, financial, soft-deleted) is never
    emptied wholesale, directly or through `TRUNCATE ... CASCADE` from another table.

    Refused with the constraint name `<table>_no_truncate`, like the trail's own rule.
    """

    when = pgtrigger.Before
    operation = pgtrigger.Truncate
    level = pgtrigger.Statement

    def __init__(self, *, name: str = "no_truncate"):
        super().__init__(name=name)

    def get_func(self, model) -> str:
        return _refusal(
            f"{model._meta.db_table}_no_truncate",
            "TRUNCATE of % refused, its rows are kept",
            "insufficient_privilege",
        )


class FrozenColumns(pgtrigger.Trigger):
    """BEFORE UPDATE OF <columns>: the columns never change (`once`: once they have a value).

    Refused with the constraint name `<table>_<name>`. Only statements naming one of the
    columns fire it.
    """

    when = pgtrigger.Before
    operation = pgtrigger.Update
    level = pgtrigger.Row

    def __init__(self, *, name: str, fields: tuple[str, ...], once: bool = False):
        self.fields, self.once = fields, once
        super().__init__(name=name)

    def _columns(self, model) -> list[str]:
        return [model._meta.get_field(f).column for f in self.fields]

    def compile(self, model):
        self.operation = pgtrigger.UpdateOf(*self._columns(model))
        return super().compile(model)

    def get_condition(self, model):
        tests = []
        for column in map(pgtrigger.utils.quote, self._columns(model)):
            changed = f"OLD.{column} IS DISTINCT FROM NEW.{column}"
            tests.append(
                f"(OLD.{column} IS NOT NULL AND {changed})" if self.once else changed
            )
        condition = " OR ".join(tests)
        return pgtrigger.Condition(f"({condition})" if len(tests) > 1 else condition)

    def message(self, model) -> str:
        what = "once set, never change" if self.once else "never change"
        return f"{', '.join(self._columns(model))} of a row of % {what}"

    def get_func(self, model) -> str:
        return _refusal(
            f"{model._meta.db_table}_{self.name}",
            self.message(model),
            "check_violation",
        )


class PkImmutable(FrozenColumns):
    """BEFORE UPDATE OF <primary key>: a row keeps its key for life.

    Rules that look at a row's key (a role's ancestors, a ledger's stock row, an audit
    event's row) would otherwise be walked around by renumbering it. Only statements that
    name the key column fire it (Django's saves never do), so it costs nothing otherwise.
    """

    def __init__(self, *, name: str = "pk_immutable"):
        super().__init__(name=name, fields=())

    def _columns(self, model) -> list[str]:
        return [model._meta.pk.column]

    def message(self, model) -> str:
        return "the key of a row of % never changes"


def immutable(name: str, *fields: str) -> FrozenColumns:
    """Refuse any change of these fields after the row is written."""
    return FrozenColumns(name=name, fields=fields)


def set_once(name: str, *fields: str) -> FrozenColumns:
    """Refuse a change of these fields once they hold a value (a used token stays used)."""
    return FrozenColumns(name=name, fields=fields, once=True)


def soft_delete_trigger() -> list[pgtrigger.Trigger]:
    """Raw deletes of a soft-deletable table become soft deletes; TRUNCATE is refused."""
    return [SoftDeleteTrigger(), NoTruncate()]


def append_only(name: str) -> list[pgtrigger.Trigger]:
    """Refuse UPDATE, DELETE and TRUNCATE: the table is a ledger."""
    return [
        pgtrigger.Protect(name=name, operation=pgtrigger.Update | pgtrigger.Delete),
        NoTruncate(),
    ]


def never_deleted(name: str) -> list[pgtrigger.Trigger]:
    """Refuse DELETE and TRUNCATE: financial records are never removed, soft or hard."""
    return [pgtrigger.Protect(name=name, operation=pgtrigger.Delete), NoTruncate()]
