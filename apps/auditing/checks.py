"""A database check: the audit kernel installed is the one this code's migration installs.

The kernel's migrations were squashed into `auditing.0001_initial` before anything shipped.
A database migrated by an earlier development version still has that migration recorded
and so would never get the current kernel; `manage.py migrate` (and `manage.py check
--database default`) stops and says so instead of running with it.
"""

from __future__ import annotations

from django.core import checks
from django.db import DatabaseError, connections

EARLIER_KERNEL = """
SELECT p.proname || ' (' || l.lanname || ')'
FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
WHERE p.pronamespace = 'public'::regnamespace
  AND (p.proname = 'auditing_capture_rows'
       OR (p.proname = 'auditing_capture' AND l.lanname <> 'plpgsql'))
"""


@checks.register(checks.Tags.database)
def earlier_audit_kernel(app_configs=None, databases=None, **kwargs):
    """An Error for each database that carries the audit kernel of an earlier version."""
    errors = []
    for alias in databases or ():
        try:
            with connections[alias].cursor() as cursor:
                cursor.execute(EARLIER_KERNEL)
                found = [row[0] for row in cursor.fetchall()]
        except DatabaseError:
            continue  # no database yet, or not migrated: nothing to compare
        if found:
            errors.append(
                checks.Error(
                    f"database {alias!r} holds the audit capture of an earlier development"
                    f" version ({', '.join(found)}).",
                    hint="Recreate it from the migrations (locally: make destroy && make run).",
                    id="auditing.E001",
                )
            )
    return errors


@checks.register(checks.Tags.security, deploy=True)
def application_role_owns_nothing(app_configs=None, **kwargs):
    """`check --deploy`: the application must not connect as the role that owns the schema."""
    from .roles import roles_split

    if roles_split():
        return []
    return [
        checks.Warning(
            "The application connects as the role that owns the database schema: it could"
            " alter or drop tables and switch the shop's rules off.",
            hint="Set DATABASE_OWNER_URL to the owner role and DATABASE_URL to the"
            " application role; `manage.py db_roles` makes both (docs/security.md).",
            id="auditing.W001",
        )
    ]
