"""manage.py db_health and its admin page: the database's figures an operator checks first."""

from __future__ import annotations

import json
import threading
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from apps.auditing import dbhealth
from apps.auditing.dbhealth import db_health
from tests.conftest import connect_as

pytestmark = pytest.mark.django_db


@pytest.fixture
def statements():
    """pg_stat_statements in the test database (make roles installs it in the shop's)."""
    with connect_as("admin", autocommit=True) as admin:
        admin.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")


def test_db_health_reports_every_figure(statements):
    health = db_health(limit=5)
    assert 0 <= health.cache_hit_ratio <= 1
    assert len(health.largest_tables) == 5
    assert {"table", "size", "bytes", "estimated_rows"} <= set(health.largest_tables[0])
    assert health.statements_available
    assert all(
        "\n" not in s["query"] and s["calls"] >= 1 for s in health.slowest_statements
    )
    assert all({"index", "table", "size"} <= set(row) for row in health.unused_indexes)


def test_a_long_transaction_is_listed(monkeypatch):
    # given: another session with a transaction open for more than a minute
    ready, done = threading.Event(), threading.Event()

    def hold():
        with connect_as("application") as conn:
            conn.execute("SELECT 1 /* held open */")
            conn.execute("SELECT set_config('application_name', 'shop-held', true)")
            ready.set()
            done.wait(30)

    monkeypatch.setattr(dbhealth, "LONG_TRANSACTION_SECONDS", 0)
    thread = threading.Thread(target=hold)
    thread.start()
    ready.wait(10)
    try:
        previous, dbhealth.LONG_TRANSACTION_SECONDS = (
            dbhealth.LONG_TRANSACTION_SECONDS,
            0,
        )
        health = db_health()
    finally:
        dbhealth.LONG_TRANSACTION_SECONDS = previous
        done.set()
        thread.join()
    assert any(
        "set_config('application_name'" in t["query"] for t in health.long_transactions
    )


def test_the_command_prints_text_and_json(statements):
    out = StringIO()
    call_command("db_health", "--limit", "3", stdout=out)
    text = out.getvalue()
    for title in (
        "cache hit ratio:",
        "largest tables:",
        "unused indexes:",
        "dead tuples:",
        "slowest statements:",
        "long transactions:",
    ):
        assert title in text
    out = StringIO()
    call_command("db_health", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["statements_available"] is True and len(data["largest_tables"]) == 10


def test_the_admin_page_is_for_superusers_only(client, staff, django_user_model):
    url = reverse("admin:auditing_db_health")
    client.force_login(staff)  # a superuser
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Cache hit ratio" in html and "Largest tables" in html
    assert "Database health" in client.get(reverse("admin:index")).content.decode()
    clerk = django_user_model.objects.create_user(
        email="clerk@example.com", password="correct horse battery", is_staff=True
    )
    client.force_login(clerk)
    assert client.get(url).status_code == 403
