"""The migration linter: what would lock a busy table, or wait for a lock without limit.

Run on every migration of the shop's apps (`manage.py lint_migrations`, and a test):

- `timeouts`: the migration starts with `SetTimeouts()` (apps/auditing/migration_ops.py).
- `index-not-concurrent`: an index on a table that exists before the migration is built
  with `AddIndexConcurrently` in a non-atomic migration (`CREATE INDEX CONCURRENTLY` in SQL);
  a plain `AddIndex`, an indexed `AddField` or a `CREATE INDEX` blocks the table's writes
  for as long as the build takes.
- `constraint-not-valid`: a constraint on an existing table is added `NOT VALID` and
  validated in a later migration (`VALIDATE CONSTRAINT` takes a lock that lets writes go
  on); a unique one is added `USING INDEX` of an index built concurrently. `AddConstraint`
  checks every row under a lock that blocks writes.
- `column-rewrite`: an `AlterField` that changes the column's type or nullability rewrites
  or scans the table under an exclusive lock: add a new column, backfill in batches, switch.
  (One that changes only choices or a help text runs no SQL and passes.)

A table created in the same migration is new and empty: nothing about it is flagged. What an
old migration was allowed, and why, is listed in `migration_allowlist.ALLOWED`.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from django.apps import apps
from django.contrib.postgres.operations import (
    AddConstraintNotValid,
    AddIndexConcurrently,
)
from django.db import connection
from django.db.migrations import operations as ops
from django.db.migrations.loader import MigrationLoader

from .migration_allowlist import ALLOWED
from .migration_ops import SetTimeouts

CREATE_INDEX = re.compile(
    r"\bCREATE\s+(?:UNIQUE\s+)?INDEX\s+(?!CONCURRENTLY)(?:IF\s+NOT\s+EXISTS\s+)?\S+"
    r"\s+ON\s+(?:ONLY\s+)?([\w.\"]+)",
    re.I,
)
CREATE_RELATION = re.compile(
    r"\bCREATE\s+(?:UNLOGGED\s+)?(?:TABLE|MATERIALIZED\s+VIEW)\s+(?:IF\s+NOT\s+EXISTS\s+)?"
    r"([\w.\"]+)",
    re.I,
)
ADD_CONSTRAINT = re.compile(r"\bADD\s+CONSTRAINT\b[^;]*", re.I)
ALTER_TYPE = re.compile(r"\bALTER\s+COLUMN\s+\S+\s+(SET\s+DATA\s+)?TYPE\b", re.I)


@dataclass(frozen=True)
class Problem:
    migration: str  # "app.0001_name"
    rule: str
    detail: str

    def __str__(self) -> str:
        return f"{self.migration}: [{self.rule}] {self.detail}"


def _sql_texts(operation) -> list[str]:
    sql = operation.sql
    items = [sql] if isinstance(sql, str) else list(sql)
    return [item if isinstance(item, str) else item[0] for item in items]


def _indexed(field) -> bool:
    return bool(field.db_index or field.unique or field.is_relation)


def _database_operations(operations) -> list:
    """The operations that run SQL: SeparateDatabaseAndState's database side, not its state."""
    flat = []
    for op in operations:
        if isinstance(op, ops.SeparateDatabaseAndState):
            flat += _database_operations(op.database_operations)
        else:
            flat.append(op)
    return flat


@functools.cache
def _loader() -> MigrationLoader:
    """The migrations on disk (no database needed), read once per process."""
    return MigrationLoader(None, ignore_no_migrations=True, load=True)


def _column_changes(app_label: str, migration, op) -> bool:
    """Whether an AlterField changes the column (type, nullability) rather than only what
    Django keeps of it (choices, help text, validators)."""
    try:
        before = _loader().project_state((app_label, migration.name), at_end=False).apps
        old = before.get_model(app_label, op.model_name)._meta.get_field(op.name)
    except (LookupError, KeyError, ValueError):
        return True  # not in the graph (an example): assume the worst
    new = op.field.clone()
    new.set_attributes_from_name(op.name)
    return (old.db_type(connection), old.null) != (new.db_type(connection), new.null)


def lint_migration(app_label: str, migration) -> list[Problem]:
    """What one migration does that would lock a busy table (before the allow-list)."""
    name = f"{app_label}.{migration.name}"
    found = []

    def flag(rule: str, detail: str) -> None:
        found.append(Problem(name, rule, detail))

    operations = list(migration.operations)
    if not operations or not isinstance(operations[0], SetTimeouts):
        flag("timeouts", "does not start with SetTimeouts()")
    created = {op.name_lower for op in operations if isinstance(op, ops.CreateModel)}
    # Relations the migration's own SQL creates: new and empty, indexes on them are free.
    new_relations = {
        name.strip('"').lower()
        for op in _database_operations(operations)
        if isinstance(op, ops.RunSQL)
        for sql in _sql_texts(op)
        for name in CREATE_RELATION.findall(sql)
    }
    for op in _database_operations(operations):
        model = getattr(op, "model_name_lower", None)
        existing = model is not None and model not in created
        if isinstance(op, AddIndexConcurrently):
            if migration.atomic:
                flag(
                    "index-not-concurrent", "AddIndexConcurrently needs atomic = False"
                )
        elif isinstance(op, ops.AddIndex) and existing:
            flag("index-not-concurrent", f"AddIndex {op.index.name} on {op.model_name}")
        elif isinstance(op, ops.AddField) and existing and _indexed(op.field):
            flag(
                "index-not-concurrent", f"AddField {op.model_name}.{op.name} is indexed"
            )
        elif (
            isinstance(op, ops.AddConstraint)
            and not isinstance(op, AddConstraintNotValid)
            and existing
        ):
            flag(
                "constraint-not-valid",
                f"AddConstraint {op.constraint.name} on {op.model_name}",
            )
        elif (
            isinstance(op, ops.AlterField)
            and existing
            and _column_changes(app_label, migration, op)
        ):
            flag("column-rewrite", f"AlterField {op.model_name}.{op.name}")
        elif isinstance(op, ops.RunSQL):
            for sql in _sql_texts(op):
                for table in CREATE_INDEX.findall(sql):
                    if table.strip('"').lower() not in new_relations:
                        flag(
                            "index-not-concurrent",
                            f"CREATE INDEX on {table} without CONCURRENTLY",
                        )
                for clause in ADD_CONSTRAINT.findall(sql):
                    if not re.search(r"NOT\s+VALID|USING\s+INDEX", clause, re.I):
                        flag("constraint-not-valid", "ADD CONSTRAINT without NOT VALID")
                if ALTER_TYPE.search(sql):
                    flag("column-rewrite", "ALTER COLUMN ... TYPE")
    return found


def project_migrations() -> list[tuple[str, object]]:
    labels = {c.label for c in apps.get_app_configs() if c.name.startswith("apps.")}
    return sorted(
        (
            (key[0], migration)
            for key, migration in _loader().disk_migrations.items()
            if key[0] in labels
        ),
        key=lambda item: (item[0], item[1].name),
    )


def lint() -> list[Problem]:
    """Every problem of the shop's migrations that the allow-list does not excuse."""
    problems = []
    for app_label, migration in project_migrations():
        allowed = ALLOWED.get(f"{app_label}.{migration.name}", {})
        problems += [
            p for p in lint_migration(app_label, migration) if p.rule not in allowed
        ]
    return problems


def stale_allowances() -> list[str]:
    """Allow-list entries that excuse nothing (the migration is gone or was fixed)."""
    found = {
        (p.migration, p.rule)
        for app_label, migration in project_migrations()
        for p in lint_migration(app_label, migration)
    }
    return sorted(
        f"{name}: {rule}"
        for name, rules in ALLOWED.items()
        for rule in rules
        if (name, rule) not in found
    )
