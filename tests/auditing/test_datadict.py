"""The data dictionary is generated from the database, kept up to date, and names follow one pattern."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from apps.auditing.datadict import naming_problems, render
from tests.conftest import owner_sql

pytestmark = pytest.mark.django_db

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "data-dictionary.md"


def test_the_committed_data_dictionary_is_up_to_date():
    assert COMMITTED.read_text() == render(), (
        "docs/data-dictionary.md is out of date: run `manage.py data_dictionary`"
    )


def test_it_covers_every_table_column_rule_and_trigger():
    text = render()
    # A column with its type, nullability, the model's help text; a CHECK; an index; a
    # trigger of django-pgtrigger and one made by a migration; an ERD per app.
    assert (
        "| `captured` | numeric(12,2) | no | app: 0 |" in text
        and "`payments_payment_refunded_lte_captured` (check)" in text
        and "`payments_payment_held`: `CREATE INDEX" in text
        and "`status_fsm (pgtrigger)`: BEFORE UPDATE, each row" in text
        and "`auditing_auditevent_append_only`: BEFORE UPDATE OR DELETE" in text
    )
    assert "How money recorded by hand came in" in text
    assert text.count("```mermaid") == text.count("\n## ") >= 6
    assert "orders_order ||--o{ payments_payment" in text


def test_every_name_follows_the_pattern():
    assert naming_problems() == []


def test_the_lint_finds_a_name_off_the_pattern():
    owner_sql(
        "CREATE TABLE catalog_scratch (id int CONSTRAINT positive CHECK (id > 0))"
    )
    try:
        owner_sql("CREATE INDEX scratch_id ON catalog_scratch (id)")
        assert naming_problems() == [
            "constraint positive on catalog_scratch: not catalog_…",
            "index scratch_id on catalog_scratch: not catalog_…",
        ]
    finally:
        owner_sql("DROP TABLE catalog_scratch")


def test_the_check_fails_on_a_stale_file_and_writing_brings_it_up_to_date(tmp_path):
    target = tmp_path / "dd.md"
    target.write_text("# Data dictionary\n\nold\n")
    with pytest.raises(CommandError, match="out of date"):
        call_command("data_dictionary", "--check", "--output", str(target))
    call_command("data_dictionary", "--output", str(target))
    call_command("data_dictionary", "--check", "--output", str(target))
    assert target.read_text() == render()
