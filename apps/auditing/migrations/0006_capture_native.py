"""The audit capture in C, where the server can load it.

`auditing_capture()`, attached to every audited table, becomes the C function of the library
`shop_audit` (apps/auditing/pg/, built by scripts/pg.sh into a directory the
project's server searches). The PL/pgSQL function of 0005 stays, as `auditing_capture_rows()`:
the C function writes the same captures itself and hands it what it does not handle (unusual
column types, an audit context to refuse).

A server that cannot load the library (or a role that may not create C functions) keeps the
PL/pgSQL function as `auditing_capture()`: the same captures, written more slowly; the
migration says so on stderr. Reversing puts the PL/pgSQL function back under its name.
"""

import sys

from django.db import DatabaseError, migrations, transaction


def copy_plpgsql(cursor, source: str, target: str) -> None:
    """Create (or replace) PL/pgSQL trigger function `target` with the body of `source`."""
    cursor.execute(
        "SELECT p.prosrc FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang "
        "WHERE p.oid = %s::regprocedure AND l.lanname = 'plpgsql'",
        [f"{source}()"],
    )
    (body,) = cursor.fetchone()
    cursor.execute(
        f"CREATE OR REPLACE FUNCTION {target}() RETURNS trigger LANGUAGE plpgsql AS %s", [body]
    )


NATIVE = """
CREATE OR REPLACE FUNCTION auditing_capture() RETURNS trigger
LANGUAGE c AS 'shop_audit', 'auditing_capture'
"""


def install_native(connection) -> bool:
    """Make auditing_capture() the C function; False (nothing changed) if the server refuses."""
    try:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute(NATIVE)
    except DatabaseError as exc:
        sys.stderr.write(
            f"\n  auditing: the audit capture stays in PL/pgSQL ({str(exc).strip()}); "
            "scripts/pg.sh builds the library shop_audit for the project's server.\n"
        )
        return False
    return True


def forwards(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        copy_plpgsql(cursor, "auditing_capture", "auditing_capture_rows")
    install_native(schema_editor.connection)


def backwards(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        copy_plpgsql(cursor, "auditing_capture_rows", "auditing_capture")
        cursor.execute("DROP FUNCTION auditing_capture_rows()")


class Migration(migrations.Migration):
    dependencies = [("auditing", "0005_capture_statements")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
