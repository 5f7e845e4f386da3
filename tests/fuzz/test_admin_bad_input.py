"""Every admin form, action, filter and history page of the shop's models, posted bad values
of each class (docs/security.md, "Bad input"): never a 5xx, never a row changed.

The admins come from `admin.site._registry`, so a new admin is covered without a word here.
"""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.management import call_command
from django.db import transaction
from django.test import RequestFactory
from django.urls import NoReverseMatch, reverse
from simple_history.admin import SimpleHistoryAdmin

from apps.auditing.admin_mixins import SafeInputAdminMixin, ShopErrorAdminMixin

from .harness import Fuzzer, form_fields, fuzz_form, main_form
from .html_forms import page_forms

pytestmark = pytest.mark.django_db

PROJECT_APPS = ("auditing", "accounts", "catalog", "inventory", "orders", "payments")
BIG_ID = "99999999999999999999"
STATUS_SAMPLES = 4  # objects per admin: one per status value when the model has one


def _admins():
    return sorted(
        (
            (model, model_admin)
            for model, model_admin in admin.site._registry.items()
            if model._meta.app_label in PROJECT_APPS
        ),
        key=lambda pair: pair[0]._meta.label,
    )


def _url(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _samples(model, model_admin, staff):
    request = RequestFactory().get("/")
    request.user = staff
    queryset = model_admin.get_queryset(request).order_by("pk")
    names = {f.name for f in model._meta.fields}
    if "status" not in names:
        return list(queryset[:1])
    seen, samples = set(), []
    for obj in queryset.iterator():
        if obj.status not in seen:
            seen.add(obj.status)
            samples.append(obj)
        if len(samples) >= STATUS_SAMPLES:
            break
    return samples


@pytest.fixture
def shop(db):
    """The demo shop: every model has rows, orders and payments in many states."""
    call_command("seed_demo", products=3, orders=12, stdout=StringIO())


def test_every_admin_and_inline_refuses_bad_input_at_the_form():
    # Inlines are not ModelAdmins: each says so itself (a test, as for ShopErrorAdminMixin).
    for model, model_admin in _admins():
        assert isinstance(model_admin, ShopErrorAdminMixin), model
        for inline in model_admin.inlines:
            assert issubclass(inline, SafeInputAdminMixin), inline


@pytest.mark.slow  # some hundreds of admin pages drawn again with their errors
def test_admin_pages_answer_bad_input_without_5xx_or_a_changed_row(shop, client, staff):
    client.force_login(staff)
    fuzzer = Fuzzer(client)
    not_valid = []
    for model, model_admin in _admins():
        opts = model._meta
        base = f"admin:{opts.app_label}_{opts.model_name}"
        changelist = reverse(f"{base}_changelist")
        # changelist: search, ordering, paging and every filter's parameters
        response = client.get(changelist)
        assert response.status_code == 200, changelist
        params = ["o", "p"]
        cl = response.context["cl"] if response.context else None
        for spec in getattr(cl, "filter_specs", []):
            params.extend(spec.expected_parameters())
        fuzzer.attempt(f"{changelist} ?q=NUL", "get", changelist, {"q": "a\x00"})
        fuzzer.attempt(
            f"{changelist} ?all={BIG_ID}",
            "get",
            changelist,
            dict.fromkeys(params, BIG_ID),
        )
        for param in params:
            fuzzer.attempt(
                f"{changelist} ?{param}=abc", "get", changelist, {param: "abc"}
            )
        samples = _samples(model, model_admin, staff)
        # actions: ids that are no ids, then each action's own form
        actions = [a for a in model_admin.get_actions(_request(staff))]
        for action in actions:
            ids = [str(samples[0].pk)] if samples else []
            fuzzer.attempt(
                f"{changelist} action {action} ids that are no ids",
                "post",
                changelist,
                {
                    "action": action,
                    ACTION_CHECKBOX_NAME: [*ids, "abc", BIG_ID],
                    "index": "0",
                },
            )
            if samples:
                _fuzz_action_form(fuzzer, changelist, action, samples[0])
        # history pages with ids that are no ids
        if isinstance(model_admin, SimpleHistoryAdmin):
            for value in ["abc", "99999999999999999999"]:
                fuzzer.attempt(
                    f"{base} history {value}",
                    "get",
                    reverse(f"{base}_history", args=[value]),
                )
                if samples:
                    fuzzer.attempt(
                        f"{base} history version {value}",
                        "get",
                        reverse(f"{base}_simple_history", args=[samples[0].pk, value]),
                    )
                    fuzzer.attempt(
                        f"{base} history object {value}",
                        "get",
                        reverse(f"{base}_simple_history", args=[value, "1"]),
                    )
        # autocomplete with a NUL in the term
        for name in model_admin.get_autocomplete_fields(_request(staff)):
            fuzzer.attempt(
                f"autocomplete {opts.label}.{name}",
                "get",
                reverse("admin:autocomplete"),
                {
                    "app_label": opts.app_label,
                    "model_name": opts.model_name,
                    "field_name": name,
                    "term": "a\x00",
                },
            )
        # the change form (of the first object) and the buttons' forms of each status
        for i, obj in enumerate(samples):
            change = reverse(f"{base}_change", args=[obj.pk])
            response = client.get(change)
            assert response.status_code == 200, change
            form = main_form(response.content.decode(), f"{opts.model_name}_form")
            if (
                i == 0
                and form is not None
                and model_admin.has_change_permission(_request(staff), obj)
            ):
                fields = form_fields(response.context)
                if not fuzzer.valid(change, change, form.data()):
                    not_valid.append(change)
                fuzz_form(fuzzer, change, change, form, fields)
                # the same values on the add form, each class at once
                add = _url(f"{base}_add")
                if add and model_admin.has_add_permission(_request(staff)):
                    fuzz_form(fuzzer, add, add, form, fields, each_field=False)
            for link in _buttons(response.content.decode(), change):
                page = client.get(link)
                if page.status_code != 200:
                    continue
                button_form = main_form(page.content.decode())
                if button_form is None:
                    continue
                fields = form_fields(page.context)
                fuzz_form(fuzzer, link, link, button_form, fields)
    assert fuzzer.failures == []
    assert not_valid == []


def _request(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def _buttons(html: str, change: str) -> list[str]:
    """Links of a record's page to its buttons' pages (`<change>/../do/<action>/`)."""
    root = change.removesuffix("change/")
    links = set(re.findall(r'href="(' + re.escape(root) + r'do/[^"/]+/)"', html))
    return sorted(links)


def _fuzz_action_form(fuzzer, changelist, action, obj):
    """An action that asks for more (a reason, a quantity) first draws a form: fuzz it."""
    client = fuzzer.client
    data = {"action": action, ACTION_CHECKBOX_NAME: [str(obj.pk)], "index": "0"}
    block = transaction.atomic()
    block._from_testcase = True  # see harness.Fuzzer.attempt
    with block:  # the action may run at once: undone
        block_response = client.post(changelist, data)
        transaction.set_rollback(True)
    if block_response.status_code != 200 or block_response.streaming:
        return
    form = next(
        (
            f
            for f in page_forms(block_response.content.decode())
            if f.method == "post" and ("action", action) in f.fields
        ),
        None,
    )
    if form is None:
        return
    fields = form_fields(block_response.context)
    fuzz_form(fuzzer, f"{changelist} action {action}", changelist, form, fields)
