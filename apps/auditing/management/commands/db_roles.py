"""Create or update the shop's database roles, its database and the grants (idempotent).

Connects as DATABASE_ADMIN_URL's role (one that may create roles and databases: the
cluster's superuser locally, the managed service's administrator in production), then as
the owner for the grants. Run it before the first migrate and whenever a role's password
changes; running it again changes nothing that is already right.
"""

from __future__ import annotations

import environ
import psycopg
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from psycopg import sql

from apps.auditing.roles import grants_sync, role_names, roles_split

# Objects of the schema that belong to the owner (a database used by one role before the
# roles were split has them owned by that role; they are handed over). An extension's
# objects stay its own.
FOREIGN_OBJECTS = """
WITH extension_member AS (SELECT objid FROM pg_depend WHERE deptype = 'e')
SELECT 'TABLE', c.oid::regclass::text FROM pg_class c
WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
  AND c.relowner <> %(owner)s::regrole AND c.oid NOT IN (SELECT objid FROM extension_member)
  AND NOT EXISTS (  -- a column's sequence follows its table
        SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
        AND d.objid = c.oid AND d.deptype IN ('a', 'i'))
UNION ALL
SELECT CASE p.prokind WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END, p.oid::regprocedure::text
FROM pg_proc p
WHERE p.pronamespace = 'public'::regnamespace AND p.proowner <> %(owner)s::regrole
  AND p.oid NOT IN (SELECT objid FROM extension_member)
UNION ALL
SELECT CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, t.oid::regtype::text
FROM pg_type t
WHERE t.typnamespace = 'public'::regnamespace AND t.typowner <> %(owner)s::regrole
  AND t.oid NOT IN (SELECT objid FROM extension_member)
  AND (t.typtype IN ('d', 'e')
       OR (t.typtype = 'c' AND (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c'))
"""


class Command(BaseCommand):
    help = "Create or update the owner, application and report roles, the database and the grants."

    def add_arguments(self, parser):
        parser.add_argument(
            "--owner-createdb",
            action="store_true",
            help="let the owner role create databases (the test suite makes its own;"
            " without it, the attribute is left as it is)",
        )

    def handle(self, *args, owner_createdb=False, **options):
        if not settings.DATABASE_ADMIN_URL:
            raise CommandError(
                "DATABASE_ADMIN_URL is not set: it names a role that may create roles and"
                " databases (see docs/security.md)."
            )
        if not roles_split():
            raise CommandError(
                "DATABASE_OWNER_URL is not set (or names the application's role): the"
                " application would own the schema. Set it to the owner role's URL."
            )
        owner, app, report = role_names()
        admin = environ.Env.db_url_config(settings.DATABASE_ADMIN_URL)
        dsn = {
            "host": connection.settings_dict["HOST"] or admin["HOST"],
            "port": connection.settings_dict["PORT"] or admin["PORT"],
            "user": admin["USER"],
            "password": admin["PASSWORD"] or None,
        }
        database = connection.settings_dict["NAME"]
        report_password = (
            environ.Env.db_url_config(settings.DATABASE_REPORT_URL)["PASSWORD"]
            if settings.DATABASE_REPORT_URL
            else None
        )
        roles = [
            (owner, settings.DATABASE_OWNER["PASSWORD"], True, owner_createdb),
            (app, settings.DATABASE_APP["PASSWORD"], True, False),
            (report, report_password, bool(settings.DATABASE_REPORT_URL), False),
        ]
        with psycopg.connect(
            dbname=admin["NAME"] or "postgres", autocommit=True, **dsn
        ) as cluster:
            for name, password, login, createdb in roles:
                self._role(cluster, name, password, login, createdb)
            self._database(cluster, database, owner)
        with psycopg.connect(dbname=database, autocommit=True, **dsn) as db:
            for kind, name in db.execute(FOREIGN_OBJECTS, {"owner": owner}).fetchall():
                db.execute(f'ALTER {kind} {name} OWNER TO "{owner}"')
                self.stdout.write(f"{kind.lower()} {name}: owner is now {owner}")
            self._statistics(db)
            db.execute(
                sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(
                    sql.Identifier(database)
                )
            )
            db.execute(
                sql.SQL("GRANT CONNECT ON DATABASE {} TO {}, {}").format(
                    sql.Identifier(database),
                    sql.Identifier(app),
                    sql.Identifier(report),
                )
            )
        changed = grants_sync()
        self.stdout.write(
            f"roles: owner {owner}, application {app}, report {report};"
            f" database {database}; {len(changed)} grant(s) changed"
        )

    def _role(self, cluster, name, password, login, createdb):
        exists = cluster.execute(
            "SELECT 1 FROM pg_roles WHERE rolname = %s", [name]
        ).fetchone()
        options = [
            "LOGIN" if login else "NOLOGIN",
            "NOSUPERUSER",
            "NOCREATEROLE",
            "NOBYPASSRLS",
        ]
        # CREATEDB only when asked for (the local cluster, for the test databases); a role
        # that has it keeps it: asking for nothing takes nothing away.
        if createdb:
            options.append("CREATEDB")
        statement = sql.SQL("{} ROLE {} " + " ".join(options)).format(
            sql.SQL("ALTER" if exists else "CREATE"), sql.Identifier(name)
        )
        if password:
            statement += sql.SQL(" PASSWORD {}").format(sql.Literal(password))
        cluster.execute(statement)
        if not exists:
            self.stdout.write(f"role {name} created")

    def _statistics(self, db) -> None:
        """pg_stat_statements for `manage.py db_health`, when the server preloads it (the
        local cluster does; a managed service offers it as an option)."""
        try:
            db.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        except psycopg.Error as exc:
            self.stdout.write(
                f"pg_stat_statements not installed ({exc.diag.message_primary}):"
                " db_health will not list the slowest statements"
            )

    def _database(self, cluster, database, owner):
        row = cluster.execute(
            "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s",
            [database],
        ).fetchone()
        if row is None:
            cluster.execute(
                sql.SQL("CREATE DATABASE {} OWNER {}").format(
                    sql.Identifier(database), sql.Identifier(owner)
                )
            )
            self.stdout.write(f"database {database} created")
        elif row[0] != owner:
            cluster.execute(
                sql.SQL("ALTER DATABASE {} OWNER TO {}").format(
                    sql.Identifier(database), sql.Identifier(owner)
                )
            )
            self.stdout.write(f"database {database}: owner is now {owner}")
