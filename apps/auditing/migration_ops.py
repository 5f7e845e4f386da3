"""Migration operations of the kernel: lock and statement timeouts for a migration.

`SetTimeouts()` first in a migration's operations makes its statements give up instead of
queueing the site behind them: an ALTER TABLE that waits longer than MIGRATION_LOCK_TIMEOUT for
its lock fails (and the atomic migration rolls back) rather than blocking every query that
queues behind it. It shows in `sqlmigrate`, so SQL applied by hand carries the timeouts too.
In an atomic migration the settings are local to its transaction; in a non-atomic one
(`AddIndexConcurrently`) they hold for the rest of the session.
"""

from __future__ import annotations

from django.conf import settings
from django.db.migrations.operations.base import Operation


def timeouts() -> dict[str, str]:
    return {
        "lock_timeout": settings.MIGRATION_LOCK_TIMEOUT,
        "statement_timeout": settings.MIGRATION_STATEMENT_TIMEOUT,
    }


def timeouts_set(cursor, *, local: bool) -> None:
    for name, value in timeouts().items():
        cursor.execute("SELECT set_config(%s, %s, %s)", [name, value, local])


class SetTimeouts(Operation):
    """Give up on a lock after MIGRATION_LOCK_TIMEOUT, on a statement after
    MIGRATION_STATEMENT_TIMEOUT (both settings, read when the migration runs)."""

    reversible = True
    reduces_to_sql = True
    elidable = False

    def state_forwards(self, app_label, state):
        pass

    def _apply(self, schema_editor):
        local = bool(getattr(schema_editor, "atomic_migration", True))
        for name, value in timeouts().items():
            schema_editor.execute(
                f"SELECT set_config('{name}', %s, {'true' if local else 'false'})",
                [value],
            )

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        self._apply(schema_editor)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        self._apply(schema_editor)

    def describe(self):
        return "Set the lock and statement timeouts of the migration"

    def deconstruct(self):
        return (self.__class__.__qualname__, [], {})
