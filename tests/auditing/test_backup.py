"""`manage.py backup` and `manage.py restore`: a backup restores into a new database equal to
the one backed up (rows, sums, triggers, functions) whose ledgers still refuse a rewrite; a
backup that is not what its manifest says is refused or fails verification.

Each test dumps and restores the migrated test database (a few seconds each): marked slow.
"""

from __future__ import annotations

import json
import shutil
from io import StringIO

import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from apps.auditing.backup import backup_create
from apps.auditing.restore import database_drop
from apps.auditing.roles import role_names
from tests.conftest import connect_as, owner_sql

pytestmark = pytest.mark.slow

LEDGERS = {
    # table: the figure a restore must keep
    "inventory_stockmovement": "count(*), sum(quantity)",
    "payments_paymenttransaction": "count(*), sum(amount)",
    "payments_payment": "count(*), sum(amount), sum(captured), sum(refunded)",
}
# A rewrite of an inventory ledger row: refused by the grants and by the ledger's trigger.
BREACH = (
    "UPDATE inventory_stockmovement SET quantity = quantity + 1"
    " WHERE id = (SELECT min(id) FROM inventory_stockmovement)"
)


def _figures(dbname: str | None = None) -> dict[str, tuple]:
    with connect_as("owner", dbname=dbname) as conn:
        return {
            table: conn.execute(f"SELECT {figures} FROM {table}").fetchone()
            for table, figures in LEDGERS.items()
        }


def _databases() -> set[str]:
    return {name for (name,) in owner_sql("SELECT datname FROM pg_database")}


@pytest.fixture
def new_database():
    """The name of a database a test restores into; dropped afterwards."""
    name = "restore_backup_test"
    yield name
    database_drop(name)


@pytest.fixture(scope="module")
def backup(django_db_setup, django_db_blocker, tmp_path_factory):
    """A backup of the migrated test database, taken once for this module's tamper tests."""
    output = tmp_path_factory.mktemp("backup")
    with django_db_blocker.unblock():
        manifest = backup_create(output=output, name="migrated")
    return output, manifest


@pytest.fixture
def backup_copy(backup, tmp_path):
    """A copy of the module's backup that a test may tamper with."""
    output, manifest = backup
    for suffix in (".dump", ".manifest.json"):
        shutil.copy(output / f"migrated{suffix}", tmp_path / f"migrated{suffix}")
    return tmp_path / "migrated.dump", tmp_path / "migrated.manifest.json"


@pytest.fixture
def shop_with_ledgers(transactional_db):
    """A small shop committed to the test database: stock movements, orders, payments
    (captured, refunded in part, a dispute lost), as the demo's services write them."""
    call_command("seed_demo", products=3, orders=3, verbosity=0)


def test_a_backup_restores_with_equal_sums_and_ledgers_that_refuse_a_rewrite(
    shop_with_ledgers, new_database, tmp_path
):
    # given: a shop whose ledgers hold rows, backed up
    before = _figures()
    assert all(figures[0] > 0 for figures in before.values()), before
    out = StringIO()
    call_command("backup", output=tmp_path, name="shop", stdout=out)
    assert (tmp_path / "shop.dump").exists()
    manifest = json.loads((tmp_path / "shop.manifest.json").read_text())
    assert (
        manifest["facts"]["tables"]["inventory_stockmovement"]["rows"]
        == before["inventory_stockmovement"][0]
    )

    # when: it is restored into a new database
    out = StringIO()
    call_command(
        "restore", str(tmp_path / "shop.dump"), database=new_database, stdout=out
    )

    # then: the verification held, and the ledgers' figures are the backed-up ones
    report = out.getvalue()
    assert "FAIL" not in report
    assert f"database {new_database} verified" in report
    assert "OK   breach of inventory_stockmovement as" in report
    assert _figures(new_database) == before
    # and: the ledger refuses a rewrite, by the grants (the application's role) and by its
    # trigger (the owner, who owns the table), and the row stays as it was
    with connect_as("application", dbname=new_database) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(BREACH)
    with connect_as("owner", dbname=new_database) as conn:
        with pytest.raises(psycopg.errors.RaiseException, match="Cannot update"):
            conn.execute(BREACH)
    assert _figures(new_database) == before
    # and: it belongs to the owner, and the application's role may connect
    with connect_as("application", dbname=new_database) as conn:
        owner = conn.execute(
            "SELECT pg_get_userbyid(datdba) FROM pg_database"
            " WHERE datname = current_database()"
        ).fetchone()[0]
    assert owner == role_names()[0]


def test_a_changed_sum_in_the_manifest_fails_the_verification(
    db, backup_copy, new_database
):
    # given: a manifest whose sum of one column no longer matches the dump
    dump, manifest_path = backup_copy
    manifest = json.loads(manifest_path.read_text())
    sums = manifest["facts"]["tables"]["django_migrations"]["sums"]
    real = sums["id"]
    sums["id"] = str(int(real) + 1)
    manifest_path.write_text(json.dumps(manifest))

    # when: the backup is restored
    out = StringIO()
    with pytest.raises(CommandError, match="1 check\\(s\\) failed"):
        call_command("restore", str(dump), database=new_database, stdout=out)

    # then: the report names the column and both figures
    assert (
        f"FAIL sum of django_migrations.id: {int(real) + 1} in the backup,"
        f" {real} restored"
    ) in out.getvalue()
    assert new_database in _databases()  # kept for the investigation


def test_a_changed_dump_is_refused_before_anything_is_restored(
    db, backup_copy, new_database
):
    # given: a dump with one byte changed (same size)
    dump, manifest_path = backup_copy
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0xFF
    dump.write_bytes(bytes(data))

    # when / then: the restore refuses it by its SHA-256, and no database is made
    with pytest.raises(CommandError, match="SHA-256 .* the manifest says"):
        call_command("restore", str(manifest_path), database=new_database)
    assert new_database not in _databases()


def test_a_restore_into_an_existing_database_is_refused(db, backup_copy):
    # given: a database of that name (the test database itself)
    dump, _ = backup_copy
    existing = connection.settings_dict["NAME"]
    tables_before = owner_sql("SELECT count(*) FROM pg_tables")

    # when / then: refused, and the existing database is left as it was
    with pytest.raises(CommandError, match=f"database {existing} exists"):
        call_command("restore", str(dump), database=existing)
    assert owner_sql("SELECT count(*) FROM pg_tables") == tables_before


def test_a_manifest_only_matches_its_own_database(db, backup):
    # The facts of the backed-up database compare equal to its manifest; a row more in one
    # table is reported by name (the comparison itself can fail).
    from apps.auditing import pgclient
    from apps.auditing.dbfacts import database_facts, facts_compare

    _, manifest = backup
    with pgclient.connect("owner", manifest.database) as conn:
        facts = database_facts(conn)
    assert all(check.ok for check in facts_compare(manifest.facts, facts))
    facts.tables["django_migrations"]["rows"] += 1
    failed = [c.text for c in facts_compare(manifest.facts, facts) if not c.ok]
    assert failed == [
        f"rows of django_migrations: {facts.tables['django_migrations']['rows'] - 1}"
        f" in the backup, {facts.tables['django_migrations']['rows']} restored"
    ]
