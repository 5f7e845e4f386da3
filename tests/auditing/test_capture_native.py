"""The C capture (one-row statements) writes exactly what the PL/pgSQL capture writes.

Two scratch tables, one per function, get the same statements under the same audit
contexts; their inbox rows must be identical to the byte, and a context the trail refuses
must be refused the same way by both.
"""

from __future__ import annotations

import importlib
import json

import pytest
from django.db import DatabaseError, connection, transaction

pytestmark = pytest.mark.django_db

native_migration = importlib.import_module(
    "apps.auditing.migrations.0006_capture_native"
)

TABLES = {"native": "capture_c", "plpgsql": "capture_plpgsql"}
FUNCTIONS = {"native": "auditing_capture", "plpgsql": "auditing_capture_rows"}

# Every value a JSON image has to render: numbers, text with quotes, timestamps, jsonb,
# booleans, NULLs, a column named like the trigger's row aliases, a dropped column.
COLUMNS = """
    id         bigint PRIMARY KEY,
    gone       text,
    name       text NOT NULL,
    price      numeric(12, 2),
    qty        integer,
    seen_at    timestamptz,
    attrs      jsonb,
    flag       boolean,
    o          text,
    deleted_at timestamptz
"""


def _sql(statement: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else None


@pytest.fixture
def twin_tables(db):
    for kind, table in TABLES.items():
        function = FUNCTIONS[kind]
        _sql(f"CREATE TABLE {table} ({COLUMNS})")
        _sql(f"ALTER TABLE {table} DROP COLUMN gone")
        _sql(
            f"""
            CREATE TRIGGER {table}_i AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows
                FOR EACH STATEMENT EXECUTE FUNCTION {function}('id', '{{}}');
            CREATE TRIGGER {table}_u AFTER UPDATE ON {table}
                REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
                FOR EACH STATEMENT EXECUTE FUNCTION {function}('id', '{{}}');
            CREATE TRIGGER {table}_d AFTER DELETE ON {table} REFERENCING OLD TABLE AS old_rows
                FOR EACH STATEMENT EXECUTE FUNCTION {function}('id', '{{}}');
            """
        )
    return TABLES


def _set_context(context) -> None:
    raw = context if isinstance(context, str) else json.dumps(context)
    _sql("SELECT set_config('audit.context', %s, true)", [raw])


def _inbox(table: str) -> list[tuple]:
    return _sql(
        """
        SELECT pk_column, action, cardinality(ids), old_rows::text, new_rows::text, withheld,
               row_pks, changes, actor_id, actor_kind, source, request_id, ip::text, db_role,
               context::text, txid = txid_current()
        FROM auditing_auditevent_inbox WHERE table_name = %s ORDER BY ids[1]
        """,
        [table],
    )


def _events(table: str) -> list[tuple]:
    return _sql(
        """
        SELECT row_pk, action, changes::text, actor_id, actor_kind, source, request_id, ip::text
        FROM auditing_auditevent_all WHERE table_name = %s ORDER BY id
        """,
        [table],
    )


STATEMENTS = [
    """INSERT INTO {t} (id, name, price, qty, seen_at, attrs, flag, o)
       VALUES (1, 'Tea "Assam"', 4.50, 3, '2026-11-01 10:00+00', '{{"a": [1, 2]}}', true, 'x')""",
    "INSERT INTO {t} (id, name) VALUES (2, 'plain')",
    "UPDATE {t} SET price = 5.25, attrs = attrs || '{{\"b\": null}}', o = NULL WHERE id = 1",
    "UPDATE {t} SET name = name WHERE id = 2",  # changes nothing
    "UPDATE {t} SET qty = 9 WHERE id = 404",  # no row
    "UPDATE {t} SET deleted_at = '2026-11-02 00:00+00' WHERE id = 2",
    "UPDATE {t} SET deleted_at = NULL WHERE id = 2",
    "INSERT INTO {t} (id, name) SELECT g, 'bulk ' || g FROM generate_series(10, 12) g",
    "UPDATE {t} SET qty = id WHERE id >= 10",
    "DELETE FROM {t} WHERE id = 1",
    "DELETE FROM {t} WHERE id = 404",
    "DELETE FROM {t} WHERE id >= 10",
]

CONTEXTS = [
    "",
    {},
    {
        "source": "web",
        "actor_id": 42,
        "actor_kind": "customer",
        "request_id": "req-1",
        "ip": "203.0.113.9",
        "extra": {"path": "/cart/", "n": [1, 2.5, None]},
    },
    {"source": "admin", "actor_id": "7", "actor_kind": "staff", "extra": None},
    {
        "source": "task",
        "actor_kind": "system",
        "extra": {"task": "x"},
        "ip": "2001:db8::1",
    },
    {
        "source": "command",
        "actor_id": None,
        "request_id": None,
        "ip": None,
        "extra": "scalar",
    },
    {"source": "sql", "extra": 12, "unknown": True},
    {"source": "web", "request_id": 5},  # a number where text is usual
]


@pytest.mark.parametrize("context", CONTEXTS, ids=range(len(CONTEXTS)))
def test_both_functions_write_identical_captures(twin_tables, context):
    for statement in STATEMENTS:
        for table in twin_tables.values():
            _set_context(context)
            _sql(statement.format(t=table))
    native, plpgsql = _inbox(TABLES["native"]), _inbox(TABLES["plpgsql"])
    assert native == plpgsql
    # One capture per statement that changed rows (the no-op update still has its images).
    assert len(native) == 10
    assert all(row[-1] for row in native)  # written by this transaction
    assert _events(TABLES["native"]) == _events(TABLES["plpgsql"])


REFUSED = [
    ({"source": "browser"}, "auditing_auditevent_source_valid"),
    ({"actor_kind": "robot"}, "auditing_auditevent_actor_kind_valid"),
    ({"source": 3}, "auditing_auditevent_source_valid"),
    ({"actor_id": 5.5}, None),
    ({"actor_id": "me"}, None),
    ({"actor_id": True}, None),
    ({"ip": "not-an-ip"}, None),
    ("{not json", None),
]


@pytest.mark.parametrize("context,constraint", REFUSED, ids=range(len(REFUSED)))
def test_a_context_the_trail_refuses_is_refused_alike(twin_tables, context, constraint):
    outcomes = []
    for table in twin_tables.values():
        for statement in (
            f"INSERT INTO {table} (id, name) VALUES (1, 'x')",
            f"UPDATE {table} SET name = 'y' WHERE id = 404",  # even a statement of no rows
        ):
            with pytest.raises(DatabaseError) as refused, transaction.atomic():
                _set_context(context)
                _sql(statement)
            diag = refused.value.__cause__.diag
            outcomes.append((diag.sqlstate, diag.message_primary, diag.constraint_name))
        assert _sql(f"SELECT count(*) FROM {table}") == [(0,)]
    half = len(outcomes) // 2
    assert outcomes[:half] == outcomes[half:]
    assert outcomes[0][2] == constraint
    assert _inbox(TABLES["native"]) == _inbox(TABLES["plpgsql"]) == []


def test_the_project_server_runs_the_c_function():
    rows = _sql(
        """
        SELECT p.proname, l.lanname, p.probin FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
        WHERE p.proname IN ('auditing_capture', 'auditing_capture_rows') ORDER BY p.proname
        """
    )
    assert rows == [
        ("auditing_capture", "c", "shop_audit"),
        ("auditing_capture_rows", "plpgsql", None),
    ], "the library shop_audit is missing: scripts/pg.sh start builds it"


def test_a_server_without_the_library_keeps_the_plpgsql_capture(twin_tables):
    with connection.cursor() as cursor:
        native_migration.copy_plpgsql(
            cursor, "auditing_capture_rows", "auditing_capture"
        )
    _sql("SET LOCAL dynamic_library_path = '$libdir'")
    assert native_migration.install_native(connection) is False
    assert _sql(
        "SELECT l.lanname FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang"
        " WHERE p.oid = 'auditing_capture()'::regprocedure"
    ) == [("plpgsql",)]
    for table in twin_tables.values():
        _sql(f"INSERT INTO {table} (id, name) VALUES (1, 'x')")
    assert len(_inbox(TABLES["native"])) == 1
    assert _inbox(TABLES["native"]) == _inbox(TABLES["plpgsql"])

    _sql("SET LOCAL dynamic_library_path = DEFAULT")
    assert native_migration.install_native(connection) is True
    _sql(f"UPDATE {TABLES['native']} SET name = 'y'")
    _sql(f"UPDATE {TABLES['plpgsql']} SET name = 'y'")
    assert _inbox(TABLES["native"]) == _inbox(TABLES["plpgsql"])


def test_other_triggers_on_the_table_still_read_every_transition_row(twin_tables):
    table = TABLES["native"]
    _sql("CREATE TABLE capture_seen (trigger text, n bigint)")
    _sql(
        """
        CREATE FUNCTION capture_seen_count() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO capture_seen SELECT TG_NAME, count(*) FROM new_rows;
            RETURN NULL;
        END $$
        """
    )
    # Triggers fire in name order: one before the capture (<table>_i), one after it.
    for name in ("a", "zz"):
        _sql(
            f"CREATE TRIGGER {table}_{name} AFTER INSERT ON {table}"
            " REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT"
            " EXECUTE FUNCTION capture_seen_count()"
        )
    _sql(f"INSERT INTO {table} (id, name) VALUES (1, 'x')")
    assert _sql("SELECT trigger, n FROM capture_seen ORDER BY trigger") == [
        (f"{table}_a", 1),
        (f"{table}_zz", 1),
    ]
    assert len(_inbox(table)) == 1
