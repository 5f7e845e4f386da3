"""`migrate`, run as the role that owns the schema (DATABASE_OWNER_URL).

The application's own role may not create, alter or drop anything; the grants that follow
from the new schema are brought in line after the migrations (apps/auditing/roles.py).
Every migration, the libraries' included, runs with the lock and statement timeouts of
`apps.auditing.migration_ops` for the session; the shop's own also set them themselves
(`SetTimeouts`, checked by `manage.py lint_migrations`).
"""

from __future__ import annotations

from django.core.management.commands import migrate
from django.db import DatabaseError

from apps.auditing.migration_ops import timeouts_set
from apps.auditing.roles import as_owner


class Command(migrate.Command):
    def handle(self, *args, **options):
        with as_owner(options["database"]) as connection:
            with connection.cursor() as cursor:
                timeouts_set(cursor, local=False)
            try:
                return super().handle(*args, **options)
            finally:
                _reset(connection)


def _reset(connection) -> None:
    """The session's own timeouts again (when the owner's connection stays open)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout; RESET statement_timeout")
    except DatabaseError:
        connection.close()  # a failed migration's session: start a new one
