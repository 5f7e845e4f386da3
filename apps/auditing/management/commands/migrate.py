"""`migrate`, run as the role that owns the schema (DATABASE_OWNER_URL).

The application's own role may not create, alter or drop anything; the grants that follow
from the new schema are brought in line after the migrations (apps/auditing/roles.py).
"""

from __future__ import annotations

from django.core.management.commands import migrate

from apps.auditing.roles import as_owner


class Command(migrate.Command):
    def handle(self, *args, **options):
        with as_owner(options["database"]):
            return super().handle(*args, **options)
