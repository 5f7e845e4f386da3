"""`manage.py seed_demo`: the steps of every app in dependency order, idempotent, audited."""

import re
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from apps.accounts.models import Address, User
from apps.auditing.models import AuditEvent
from apps.auditing.selectors import audit_backlog
from apps.catalog.models import Product
from apps.demo import steps
from apps.demo.progress import output, progress
from apps.demo.steps import STEPS, Step

DEMO = Path(steps.__file__).parent


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_recorded_as_a_command(audit_trail):
    call_command("seed_demo", products=0, stdout=StringIO())
    users, addresses = User.objects.count(), Address.objects.count()
    assert users == 6 and addresses == 8
    out = StringIO()
    call_command("seed_demo", products=0, stdout=out)
    assert (User.objects.count(), Address.objects.count()) == (users, addresses)
    assert "0 people created" in out.getvalue()
    assert {e.source for e in audit_trail.events(table_name="accounts_user")} == {
        "command"
    }
    assert (
        User.objects.get(email="support@shop.local").role_grants.get().role.name
        == "Support"
    )
    assert not Product.objects.exists()


class Terminal(StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.django_db
def test_seed_demo_prints_a_progress_bar_per_stage_and_a_summary():
    out = Terminal()
    call_command("seed_demo", products=0, stdout=out)
    # on a terminal each stage redraws one line ("\r") and ends it when it is done
    lines = out.getvalue().split("\n")
    assert lines[:3] + lines[4:] == [
        "".join(
            f"\rcustomers  [{'#' * (30 * i // 4):.<30}] {i}/4" for i in range(1, 5)
        ),
        "".join(f"\rstaff      [{'#' * (30 * i // 2):.<30}] {i}/2" for i in (1, 2)),
        "6 people created",
        "demo data ready (6 people created, 0 products created, 0 orders created,"
        " 0 payments created)",
        "",
    ]
    # the audit backlog drained before the summary, as one stage of its own
    assert re.fullmatch(r"\raudit      \[#{30}\] (\d+)/\1", lines[3]), lines[3]


@pytest.mark.django_db
def test_seed_demo_writes_whole_lines_without_carriage_returns_off_a_terminal():
    out = StringIO()
    call_command("seed_demo", products=0, stdout=out)
    # a file or a pipe gets a line per tenth of a stage, no redrawing
    assert "\r" not in out.getvalue()
    assert out.getvalue().split("\n")[:6] == [
        *(f"customers  [{'#' * (30 * i // 4):.<30}] {i}/4" for i in range(1, 5)),
        *(f"staff      [{'#' * (30 * i // 2):.<30}] {i}/2" for i in (1, 2)),
    ]


def test_progress_off_a_terminal_writes_a_line_per_tenth_of_a_stage():
    out = output(StringIO())
    for done in range(1, 1001):
        progress(out, "products", done, 1000)
    lines = out._out.getvalue().splitlines()
    # the start of the stage, then each tenth
    assert [line.split()[-1] for line in lines] == [
        "1/1000",
        *(f"{n}/1000" for n in range(100, 1001, 100)),
    ]


def test_steps_follow_the_dependency_order_of_the_apps():
    # LOCAL_APPS lists the apps lowest first, as the import contract layers them.
    order = [app.removeprefix("apps.") for app in settings.LOCAL_APPS]
    apps = [step.app for step in STEPS]
    assert len(set(apps)) == len(apps)
    assert apps == sorted(apps, key=order.index)


def test_every_demo_module_of_an_app_is_a_step():
    modules = {p.stem for p in DEMO.glob("*.py")} - {"__init__", "apps", "steps"}
    labels = {app.removeprefix("apps.") for app in settings.LOCAL_APPS}
    assert {m for m in modules if m in labels} == {step.app for step in STEPS}


@pytest.mark.django_db
def test_a_new_step_runs_after_the_others_and_joins_the_summary(monkeypatch):
    # given a later app's step appended to the list, as a new app would add one
    ran = []

    def seed_returns(stdout, sizes):
        ran.append(("returns", sizes["products"], Product.objects.count()))
        stdout.write("returns seeded")
        return 3

    monkeypatch.setattr(
        steps, "STEPS", (*STEPS, Step("returns", seed_returns, counts="returns"))
    )
    out = StringIO()
    # when the command runs
    call_command("seed_demo", products=4, orders=0, stdout=out)
    # then it ran last, with the catalog already there, and is counted in the summary
    assert ran == [("returns", 4, 4)]
    assert (
        out.getvalue()
        .rstrip()
        .endswith(
            "demo data ready (6 people created, 4 products created, 0 orders created,"
            " 0 payments created, 3 returns created)"
        )
    )
    # and under --products 0 a step that needs the catalog is skipped
    ran.clear()
    out = StringIO()
    call_command("seed_demo", products=0, stdout=out)
    assert ran == []
    assert (
        "0 people created, 0 products created, 0 orders created, 0 payments created,"
        " 0 returns created" in out.getvalue()
    )


@pytest.mark.django_db
def test_seed_demo_leaves_no_audit_backlog_and_its_rows_are_in_the_trail(
    settings, tmp_path, audit_trail
):
    settings.MEDIA_ROOT = tmp_path
    out = StringIO()
    # when the command runs
    call_command("seed_demo", products=6, orders=0, stdout=out)
    # then nothing waits for the drain (what /healthz reports as pending captures) ...
    backlog = audit_backlog()
    assert (backlog.captures, backlog.events) == (0, 0)
    assert backlog.as_dict()["pending_captures"] == 0
    # ... because the seeded rows are in the trail, recorded as the command's
    product = Product.objects.order_by("pk").first()
    (event,) = AuditEvent.objects.filter(
        table_name="catalog_product",
        row_pk=str(product.pk),
        action="insert",
        id__gt=audit_trail.marker,
    )
    assert (event.action, event.source, event.changes["name"]) == (
        "insert",
        "command",
        product.name,
    )
    assert AuditEvent.objects.filter(
        table_name="inventory_stock", action="insert", id__gt=audit_trail.marker
    ).exists()
    # and the command said so
    lines = out.getvalue().splitlines()
    assert lines[-2].startswith("audit      [##############################]")
