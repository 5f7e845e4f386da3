"""Send the audit context to PostgreSQL with each write statement.

`SELECT set_config('audit.context', '<json>', true); <statement>` runs both in the
statement's transaction, in one round trip. `true` makes the setting transaction-local:
at COMMIT or ROLLBACK it is gone, so the next user of a pooled connection starts clean.
"""

from __future__ import annotations

from django.db.backends.signals import connection_created

from .context import current

_WRITES = ("insert", "update", "delete", "with", "merge")


def _is_write(sql: str) -> bool:
    head = sql.lstrip()[:6].lower()
    return head.startswith(_WRITES)


def _prefix(payload: str, has_params: bool) -> str:
    literal = "'" + payload.replace("'", "''") + "'"
    if has_params:
        literal = literal.replace("%", "%%")
    return f"SELECT set_config('audit.context', {literal}, true); "


def audit_execute_wrapper(execute, sql, params, many, context):
    ctx = current()
    cursor = context["cursor"]
    if (
        ctx is None
        or not isinstance(sql, str)
        or getattr(cursor, "name", None)
        or not _is_write(sql)
    ):
        return execute(sql, params, many, context)
    sql = _prefix(ctx.payload(), params is not None) + sql
    result = execute(sql, params, many, context)
    # psycopg 3 keeps every result set of a multi-statement query: move to the statement's own.
    while result is not None and result.nextset():
        pass
    return result


def install(sender=None, connection=None, **kwargs):
    """Attach the wrapper to a Django connection once."""
    if (
        connection.vendor == "postgresql"
        and audit_execute_wrapper not in connection.execute_wrappers
    ):
        connection.execute_wrappers.append(audit_execute_wrapper)


def connect_signals() -> None:
    connection_created.connect(install, dispatch_uid="auditing.install_execute_wrapper")


def ignore_list_owner_only(sender=None, using="default", **kwargs):
    """After every migrate: pgtrigger's switch-off list works for the database owner only.

    pgtrigger rewrites its `_pgtrigger_should_ignore()` whenever it installs a trigger, so
    the version of `sql/ignore_owner_only.sql` is put back once the migrations have run.
    """
    from django.db import connections

    from .roles import as_owner
    from .sqlfiles import sql_file

    if connections[using].vendor != "postgresql":
        return
    # `flush` sends post_migrate too, from the application's connection: the function is
    # the owner's to replace.
    with as_owner(using) as connection, connection.cursor() as cursor:
        cursor.execute(
            "SELECT to_regprocedure('public._pgtrigger_should_ignore(name)')"
        )
        if cursor.fetchone()[0] is None:
            return  # no pgtrigger trigger installed (yet)
        cursor.execute(sql_file("ignore_owner_only.sql"))
