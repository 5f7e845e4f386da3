"""The database roles: who owns the schema, who runs the shop, who reads reports.

- The **owner** (DATABASE_OWNER_URL) owns every table, view, sequence and function. Migrations
  and the test set-up connect as it; it is the only role pgtrigger's switch-off list works
  for (sql/ignore_owner_only.sql).
- The **application** (DATABASE_URL) reads and writes rows. It may never TRUNCATE, never
  change the schema, and may only add rows to the tables whose rows are kept (ledgers,
  histories, the audit inbox); it only reads the audit trail. What it may do per table
  follows from the table's rules: a table whose triggers refuse UPDATE and DELETE
  (`append_only()`) is granted SELECT and INSERT, one that refuses DELETE (`never_deleted()`)
  SELECT, INSERT and UPDATE. The sanctioned exceptions are SECURITY DEFINER functions owned
  by the owner, executable by the application only (docs/security.md lists them).
- The **report** role reads everything except what DATABASE_REPORT_HIDDEN names.

`grants_sync()` brings the grants in line with that, after every migrate; `manage.py
db_roles` creates the roles and the database (idempotent).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connections

DML = ("SELECT", "INSERT", "UPDATE", "DELETE")
# Tables of the kernel written by raw SQL, not described by a model's triggers.
RAW_TABLES = {
    # Events arrive through the inbox and the definer functions only.
    "auditing_auditevent": ("SELECT",),
    "auditing_auditevent_inbox": ("SELECT", "INSERT"),
    "auditing_auditevent_quarantine": ("SELECT",),
    "auditing_auditevent_quarantine_moved": ("SELECT",),
    "django_migrations": ("SELECT",),
}
RELATION_KINDS = {
    "r": "TABLE",
    "p": "TABLE",
    "v": "TABLE",
    "m": "TABLE",
    "S": "SEQUENCE",
}


def role_names() -> tuple[str, str, str]:
    """(owner, application, report) role names, from the settings."""
    return (
        settings.DATABASE_OWNER["USER"],
        settings.DATABASE_APP["USER"],
        settings.DATABASE_REPORT_ROLE,
    )


def roles_split() -> bool:
    """False when the application connects as the owner (one role for everything)."""
    owner, app, _ = role_names()
    return owner != app


def reconnect(connection, user: str, password: str) -> None:
    """Close the connection (and its pool): it opens again as `user`."""
    connection.close()
    close_pool = getattr(connection, "close_pool", None)
    if close_pool is not None:
        close_pool()
    connection.settings_dict["USER"] = user
    connection.settings_dict["PASSWORD"] = password or ""


@contextmanager
def as_owner(using: str = "default") -> Iterator[object]:
    """Run the block on a connection of the owner role (migrations, schema maintenance).

    The alias's connection is closed and reopened with the owner's credentials, and again
    with its own afterwards; so it cannot be used inside a transaction.
    """
    connection = connections[using]
    owner = settings.DATABASE_OWNER
    saved = (connection.settings_dict["USER"], connection.settings_dict.get("PASSWORD"))
    if saved[0] == owner["USER"]:
        yield connection
        return
    if connection.in_atomic_block:
        raise RuntimeError("cannot switch to the owner role inside a transaction")
    reconnect(connection, owner["USER"], owner["PASSWORD"])
    try:
        yield connection
    finally:
        reconnect(connection, *saved)


def model_privileges() -> dict[str, tuple[str, ...]]:
    """What the application may do to each model's table, from the table's triggers."""
    import pgtrigger
    from django.apps import apps

    allowed = {
        model._meta.db_table: set(DML)
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }
    for model, trigger in pgtrigger.registered():
        table = model._meta.db_table
        if (
            table in allowed
            and isinstance(trigger, pgtrigger.Protect)
            and trigger.condition is None
        ):
            allowed[table] -= set(str(trigger.operation).split(" OR "))
    plan = {
        table: tuple(p for p in DML if p in privs) for table, privs in allowed.items()
    }
    plan.update(RAW_TABLES)
    return plan


@dataclass
class Relation:
    name: str
    kind: str
    partition: bool
    app: set[str] = field(default_factory=set)
    report: set[str] = field(default_factory=set)
    report_columns: set[str] = field(default_factory=set)
    columns: list[str] = field(default_factory=list)


RELATIONS = """
SELECT c.relname, c.relkind, c.relispartition,
       coalesce((SELECT array_agg(a.privilege_type) FROM aclexplode(c.relacl) a
                 WHERE a.grantee = to_regrole(%(app)s)), '{}'),
       coalesce((SELECT array_agg(a.privilege_type) FROM aclexplode(c.relacl) a
                 WHERE a.grantee = to_regrole(%(report)s)), '{}'),
       coalesce((SELECT array_agg(t.attname::text) FROM pg_attribute t, aclexplode(t.attacl) a
                 WHERE t.attrelid = c.oid AND a.grantee = to_regrole(%(report)s)
                   AND a.privilege_type = 'SELECT'), '{}'),
       coalesce((SELECT array_agg(t.attname::text ORDER BY t.attnum) FROM pg_attribute t
                 WHERE t.attrelid = c.oid AND t.attnum > 0 AND NOT t.attisdropped), '{}')
FROM pg_class c
WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
  AND c.relowner = current_user::regrole
ORDER BY c.relname
"""

DEFINER_FUNCTIONS = """
SELECT p.oid::regprocedure::text,
       has_function_privilege(to_regrole(%(app)s), p.oid, 'EXECUTE'),
       p.proacl IS NULL OR EXISTS (
           SELECT 1 FROM aclexplode(p.proacl) a WHERE a.grantee = 0)
FROM pg_proc p
WHERE p.pronamespace = 'public'::regnamespace AND p.prosecdef
  AND p.proowner = current_user::regrole
ORDER BY 1
"""


def _wanted_app(rel: Relation, plan: dict[str, tuple[str, ...]]) -> set[str]:
    if rel.kind == "S":
        return {"USAGE", "SELECT"}
    if rel.kind in "vm" or rel.partition:
        return {"SELECT"}
    # A table no model describes (a scratch table, one made by hand): read-only.
    return set(plan.get(rel.name, ("SELECT",)))


def grants_plan(cursor) -> list[str]:
    """The GRANT / REVOKE statements that bring the grants in line; run as the owner."""
    _, app, report = role_names()
    plan = model_privileges()
    hidden = settings.DATABASE_REPORT_HIDDEN
    cursor.execute(RELATIONS, {"app": app, "report": report})
    statements = []
    for row in cursor.fetchall():
        rel = Relation(
            row[0], row[1], row[2], set(row[3]), set(row[4]), set(row[5]), row[6]
        )
        kind, quoted = RELATION_KINDS[rel.kind], f'"{rel.name}"'
        want = _wanted_app(rel, plan)
        if extra := rel.app - want:
            statements.append(
                f'REVOKE {", ".join(sorted(extra))} ON {kind} {quoted} FROM "{app}"'
            )
        if missing := want - rel.app:
            statements.append(
                f'GRANT {", ".join(sorted(missing))} ON {kind} {quoted} TO "{app}"'
            )
        if rel.kind == "S":
            if rel.report:
                statements.append(f'REVOKE ALL ON SEQUENCE {quoted} FROM "{report}"')
            continue
        rule = hidden.get(rel.name)
        table_select = rule is None
        if rel.report - {"SELECT"} or (rel.report and not table_select):
            statements.append(f'REVOKE ALL ON TABLE {quoted} FROM "{report}"')
            rel.report = set()
        if table_select and "SELECT" not in rel.report:
            statements.append(f'GRANT SELECT ON TABLE {quoted} TO "{report}"')
        if isinstance(rule, list | tuple):
            columns = {c for c in rel.columns if c not in rule}
            if rel.report_columns != columns:
                if rel.report_columns:
                    cols = ", ".join(f'"{c}"' for c in sorted(rel.report_columns))
                    statements.append(
                        f'REVOKE SELECT ({cols}) ON TABLE {quoted} FROM "{report}"'
                    )
                cols = ", ".join(f'"{c}"' for c in rel.columns if c in columns)
                statements.append(
                    f'GRANT SELECT ({cols}) ON TABLE {quoted} TO "{report}"'
                )
    cursor.execute(DEFINER_FUNCTIONS, {"app": app})
    for function, app_may, public_may in cursor.fetchall():
        if public_may:
            statements.append(f"REVOKE EXECUTE ON FUNCTION {function} FROM PUBLIC")
        if not app_may or public_may:
            statements.append(f'GRANT EXECUTE ON FUNCTION {function} TO "{app}"')
    return statements


def grants_sync(using: str = "default") -> list[str]:
    """Apply `grants_plan()` as the owner; returns the statements run (none when in line).

    Also: new tables the owner makes are readable by the application and the report role
    until the next sync (default privileges), and nobody else may create in the schema.
    """
    if not roles_split():
        return []
    owner, app, report = role_names()
    with as_owner(using) as connection, connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_roles WHERE rolname IN (%s, %s)", [app, report]
        )
        if cursor.fetchone()[0] < 2:
            return []  # roles not made yet: `manage.py db_roles` makes them, then syncs
        changes = grants_plan(cursor)
        cursor.execute("SELECT current_database()")
        database = cursor.fetchone()[0]
        always = [
            "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
            # No temporary tables: a table of its own would let a role fire the audit
            # capture with rows it invents.
            f'REVOKE TEMPORARY ON DATABASE "{database}" FROM PUBLIC, "{app}", "{report}"',
            f'ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO "{app}", "{report}"',
            f'ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO "{app}"',
        ]
        for statement in changes + always:
            cursor.execute(statement)
    return changes


def sync_on_migrate(sender=None, using="default", **kwargs) -> None:
    """post_migrate: the grants follow the schema the migrations just made."""
    if connections[using].vendor == "postgresql":
        grants_sync(using)
