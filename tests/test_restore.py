"""A `pg_dump` of the shop restores into a working, auditing shop on a fresh PostgreSQL cluster.

Everything the kernel installs is plain SQL and PL/pgSQL, so the restore needs nothing but a
PostgreSQL server: no library to build, no extension of our own.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import environ
import psycopg
import pytest
from django.conf import settings
from django.db import connection

from apps.auditing.roles import role_names
from tests.pgcluster import (
    PG_BIN,
    free_port,
    give_to_postgres,
    initdb,
    run,
    start,
    stop,
)

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

COUNT_TRIGGERS = "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal"
COUNT_FUNCTIONS = (
    "SELECT count(*) FROM pg_proc WHERE pronamespace = 'public'::regnamespace"
)


@pytest.fixture
def fresh_cluster():
    """A new, empty PostgreSQL cluster on a port of its own; stopped and removed after."""
    root = Path(tempfile.mkdtemp(prefix="shop-restore-"))
    data = root / "data"
    data.mkdir()
    give_to_postgres(root, data)
    user = environ.Env.db_url_config(settings.DATABASE_ADMIN_URL)["USER"]
    port = free_port()
    initdb(data, user)
    start(data, port)
    try:
        cluster = {"host": "127.0.0.1", "port": port, "user": user}
        # The shop's roles, as `manage.py db_roles` makes them before a restore.
        owner, app, report = role_names()
        with psycopg.connect(**cluster, dbname="postgres", autocommit=True) as conn:
            for role in (owner, app):
                conn.execute(f'CREATE ROLE "{role}" LOGIN')
            conn.execute(f'CREATE ROLE "{report}" NOLOGIN')
        yield cluster
    finally:
        stop(data)
        shutil.rmtree(root, ignore_errors=True)


def test_a_dump_restores_into_a_shop_that_audits_and_refuses(fresh_cluster, tmp_path):
    # given: a dump of the migrated shop database (the test database, migrated as in
    # production), taken by the owner
    source = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": settings.DATABASE_OWNER["PASSWORD"] or ""}
    dump = tmp_path / "shop.dump"
    run(
        [
            str(PG_BIN / "pg_dump"),
            "-Fc",
            "-h",
            source["HOST"],
            "-p",
            str(source["PORT"]),
            "-U",
            settings.DATABASE_OWNER["USER"],
            "-f",
            str(dump),
            source["NAME"],
        ],
        env=env,
    )
    with connection.cursor() as cursor:
        cursor.execute(COUNT_TRIGGERS)
        triggers = cursor.fetchone()[0]
        cursor.execute(COUNT_FUNCTIONS)
        functions = cursor.fetchone()[0]
    os.chmod(tmp_path, 0o755)
    os.chmod(dump, 0o644)

    # when: it is restored into a fresh cluster
    target = {**fresh_cluster, "dbname": "restored"}
    with psycopg.connect(
        **{**fresh_cluster, "dbname": "postgres"}, autocommit=True
    ) as conn:
        conn.execute(f'CREATE DATABASE restored OWNER "{role_names()[0]}"')
    run(
        [
            str(PG_BIN / "pg_restore"),
            "--exit-on-error",
            "-h",
            target["host"],
            "-p",
            str(target["port"]),
            "-U",
            target["user"],
            "-d",
            "restored",
            str(dump),
        ]
    )

    # then: every trigger and function is there, and for the application's role an
    # audited write is captured and reaches the trail, and protected writes are refused
    with psycopg.connect(**target, autocommit=True) as conn:
        conn.execute(f'SET ROLE "{role_names()[1]}"')
        assert conn.execute(COUNT_TRIGGERS).fetchone()[0] == triggers
        assert conn.execute(COUNT_FUNCTIONS).fetchone()[0] == functions
        with conn.transaction():
            conn.execute(
                "SELECT set_config('audit.context', %s, true)",
                [
                    '{"source": "command", "actor_kind": "system", "request_id": "restored"}'
                ],
            )
            conn.execute(
                "INSERT INTO testapp_widget (name, colour, price, secret)"
                " VALUES ('restored', 'red', 1.50, 'hidden')"
            )
            # A raw DELETE of a soft-deletable row only marks it deleted.
            conn.execute("DELETE FROM testapp_widget WHERE name = 'restored'")
        while conn.execute("SELECT auditing_inbox_drain(10000)").fetchone()[0]:
            pass
        events = conn.execute(
            "SELECT table_name, action, source, changes ? 'secret' FROM auditing_auditevent"
            " WHERE request_id = 'restored' ORDER BY id"
        ).fetchall()
        assert events == [
            ("testapp_widget", "insert", "command", False),
            ("testapp_widget", "soft_delete", "command", False),
        ]
        assert conn.execute(
            "SELECT deleted_at IS NOT NULL FROM testapp_widget WHERE name = 'restored'"
        ).fetchone() == (True,)
        for statement in (
            "UPDATE auditing_auditevent SET action = 'forged'",
            "DELETE FROM auditing_auditevent",
            "TRUNCATE auditing_auditevent",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
        # A rule of the shop's own: a role cannot be its own parent.
        with pytest.raises(psycopg.errors.IntegrityError):
            conn.execute("UPDATE accounts_role SET parent_id = id")
        assert conn.execute(
            "SELECT count(*) FROM accounts_role WHERE parent_id = id"
        ).fetchone() == (0,)
        assert conn.execute(
            "SELECT count(*) FROM auditing_auditevent WHERE request_id = 'restored'"
        ).fetchone() == (2,)
