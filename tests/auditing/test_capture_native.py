"""The C capture writes exactly what the PL/pgSQL capture writes.

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

# Every value a JSON image has to render and every way a column is compared: numbers (an
# unconstrained numeric, where 1.50 = 1.5), text with quotes, varchar, timestamps, jsonb, json
# (no '=': compared as text), a range and an array (compared as text), a domain, booleans,
# NULLs, a column named like the trigger's row aliases, a dropped column.
COLUMNS = """
    id         bigint PRIMARY KEY,
    gone       text,
    name       text NOT NULL,
    price      numeric(12, 2),
    amount     numeric,
    qty        integer,
    code       varchar(20),
    seen_at    timestamptz,
    attrs      jsonb,
    doc        json,
    span       tstzrange,
    sizes      integer[],
    stock      capture_count,
    flag       boolean,
    o          text,
    deleted_at timestamptz
"""


def _sql(statement: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else None


REFERENCING = {
    "insert": "NEW TABLE AS new_rows",
    "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "delete": "OLD TABLE AS old_rows",
}


def _attach_capture(table, function, hidden="{}", operations=tuple(REFERENCING)):
    """The audit triggers as apps/auditing/triggers.py attaches them, with `function`."""
    for op in operations:
        _sql(
            f"CREATE TRIGGER {table}_{op[0]} AFTER {op.upper()} ON {table}"
            f" REFERENCING {REFERENCING[op]} FOR EACH STATEMENT"
            f" EXECUTE FUNCTION {function}('id', '{hidden}')"
        )


# Without sensitive columns, and with some (one of them not a column of the table).
@pytest.fixture(params=["{}", "{o,attrs,stock,absent}"], ids=["plain", "sensitive"])
def twin_tables(db, request):
    _sql("CREATE DOMAIN capture_count AS integer CHECK (VALUE >= 0)")
    hidden = request.param
    for kind, table in TABLES.items():
        _sql(f"CREATE TABLE {table} ({COLUMNS})")
        _sql(f"ALTER TABLE {table} DROP COLUMN gone")
        _attach_capture(table, FUNCTIONS[kind], hidden)
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
    """INSERT INTO {t} (id, name, amount, code, doc, span, sizes, stock, flag)
       SELECT g, 'bulk ' || g, 1.50, 'c' || g, '{{"k": [1,  2]}}', tstzrange('2026-01-01', '2026-02-01'),
              ARRAY[g, 2], g, g %% 2 = 0
       FROM generate_series(10, 13) g""",
    "UPDATE {t} SET qty = id WHERE id >= 10",
    # 1.5 = 1.50 (unchanged), the same json in other spacing (changed: compared as text).
    """UPDATE {t} SET amount = 1.5, doc = '{{"k": [1, 2]}}', code = CASE WHEN id = 10 THEN code ELSE 'x"y' END
       WHERE id >= 10""",
    """UPDATE {t} SET span = tstzrange('2026-01-01', '2026-03-01'), sizes = ARRAY[id, 3],
       stock = NULL, flag = NOT flag, seen_at = '2026-11-03 12:00+01', price = 7
       WHERE id >= 11""",
    "UPDATE {t} SET name = name WHERE id >= 10",  # several rows, none changed: no capture
    "UPDATE {t} SET deleted_at = '2026-11-02 00:00+00' WHERE id >= 12",
    "UPDATE {t} SET deleted_at = NULL WHERE id >= 12",
    "UPDATE {t} SET id = id + 100 WHERE id = 13",  # a key change
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
    # One capture per statement that changed rows (the no-op one-row update still has its
    # images; the no-op update of several rows has none).
    assert len(native) == 15
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


def test_statements_of_more_than_one_capture_are_split_alike(twin_tables):
    """50,000 rows per capture: 50,001 rows make two, on both functions."""
    _set_context({"source": "command", "request_id": "big"})
    for table in twin_tables.values():
        _sql(
            f"INSERT INTO {table} (id, name) SELECT g, 'n' || g FROM generate_series(1, 50001) g"
        )
        _sql(f"UPDATE {table} SET qty = 1")
        _sql(f"UPDATE {table} SET qty = 2 WHERE id > 1")
        _sql(f"UPDATE {table} SET qty = 3 WHERE id = 50001")
        _sql(f"DELETE FROM {table}")
    native, plpgsql = _inbox(TABLES["native"]), _inbox(TABLES["plpgsql"])
    assert native == plpgsql
    assert [(row[1], row[2]) for row in native] == [
        ("insert", 50000),
        ("insert", 1),
        ("update", 50000),
        ("update", 1),
        ("update", 50000),
        ("update", 1),
        ("delete", 50000),
        ("delete", 1),
    ]


# (column, first value, second value, captures the two updates leave)
EDGE_COLUMNS = [
    ("b box", "box '((0,0),(1,1))'", "box '((1,1),(2,2))'", 1),  # '=': same area
    ("c char(3)", "'ab'", "'ab '", 1),  # '=' ignores trailing blanks
    ("flagged bool[]", "'{t}'", "'{f}'", 2),  # no '=': compared as text
    ("n name", "'nm'", "'nm2'", 2),
    ("x xml", "'<a/>'", "'<b/>'", 2),  # no '=', no plain text: left to PL/pgSQL
]


@pytest.mark.parametrize(
    "column,first,second,captures", EDGE_COLUMNS, ids=[c[0] for c in EDGE_COLUMNS]
)
def test_columns_at_the_edges_of_the_comparison_rules_are_captured_alike(
    db, column, first, second, captures
):
    name = column.split()[0]
    for kind, table in TABLES.items():
        _sql(f"CREATE TABLE {table} (id bigint PRIMARY KEY, {column}, qty integer)")
        _attach_capture(table, FUNCTIONS[kind], operations=["update"])
        _sql(f"INSERT INTO {table} SELECT g, {first}, 0 FROM generate_series(1, 3) g")
        _sql(f"UPDATE {table} SET {name} = {second}")
        _sql(f"UPDATE {table} SET qty = id, {name} = NULL WHERE id > 1")
    native = _inbox(TABLES["native"])
    assert native == _inbox(TABLES["plpgsql"])
    assert len(native) == captures


def test_a_key_without_plain_text_is_captured_alike(db):
    for kind, table in TABLES.items():
        _sql(f"CREATE TABLE {table} (id inet PRIMARY KEY, qty integer)")
        _attach_capture(table, FUNCTIONS[kind], operations=["update"])
        _sql(f"INSERT INTO {table} VALUES ('10.0.0.1', 0), ('10.0.0.2', 0)")
        _sql(f"UPDATE {table} SET qty = 1")
    native = _inbox(TABLES["native"])
    assert native == _inbox(TABLES["plpgsql"])
    assert native[0][6] == ["10.0.0.1/32", "10.0.0.2/32"]  # inet::text keeps the mask
