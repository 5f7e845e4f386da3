"""Post a bad value and check what came back: never a 5xx, never a row changed.

Each attempt runs in a savepoint rolled back afterwards, so one attempt cannot hide or cause
another's change; "no row changed" is read inside it, before the rollback: the row count of
every table the shop's models (and their histories) keep, and the newest audit event (the trail
and its inbox), which every insert, update and delete of an audited table moves.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django import forms
from django.apps import apps
from django.db import DatabaseError, connection, transaction

from .html_forms import Form, page_forms

# Sign-ins write sessions; nothing else may change.
NOT_COUNTED = {"django_session"}
# An admin save that changed nothing logs "No fields changed" (an empty change message):
# not a changed row.
WHERE = {"django_admin_log": " WHERE change_message <> '[]'"}

BIG = "9" * 5000
BAD_NUMBERS = [
    str(2**31),
    str(-(2**31) - 1),
    str(2**63),
    BIG,
    "abc",
    "1e9999",
    "NaN",
]
BAD_IDS = ["abc", "99999999999999999999"]
BAD_JSON = [
    '{"a": "\\u0000"}',
    '{"\\u0000": 1}',
    BIG,
    '{"a": ' + BIG + "}",
    "[" * 5000 + "]" * 5000,
    '{"a": NaN}',
    '{"a": 1e999}',
]
BAD_DATES = ["2024-02-30", "99999-01-01", "abc"]
NUL_TEXT = ["a\x00b", "\x00"]


def _tables() -> list[str]:
    tables = {
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }
    return sorted(tables - NOT_COUNTED)


def snapshot() -> tuple:
    """Row counts of every table, and the newest audit event."""
    tables = _tables()
    counts = ", ".join(
        f'(SELECT count(*) FROM "{t}"{WHERE.get(t, "")})' for t in tables
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {counts}, (SELECT COALESCE(max(id), 0) FROM auditing_auditevent_all)"
        )
        row = cursor.fetchone()
    return tuple(zip([*tables, "audit events"], row, strict=True))


@dataclass
class Fuzzer:
    """Sends attempts with one client and collects what went wrong, to report at once."""

    client: object
    failures: list[str] = field(default_factory=list)
    attempts: int = 0
    labels: list[str] = field(default_factory=list)

    def __post_init__(self):
        self.client.raise_request_exception = False
        # Every attempt is rolled back: the state before each is this one.
        self.before = snapshot()

    def attempt(self, label: str, method: str, url: str, data=None, **extra):
        """One request in a savepoint; a 5xx or a changed row is a failure."""
        self.attempts += 1
        self.labels.append(label)
        before = self.before
        block = transaction.atomic()
        # Durable services inside the request may nest in this block, as they may in the
        # test's own transaction (Django marks its test transactions the same way).
        block._from_testcase = True
        with block:
            send = self.client.post if method == "post" else self.client.get
            response = send(url, data or {}, **extra)
            after = None
            if response.status_code < 500:
                try:
                    with transaction.atomic():
                        after = snapshot()
                except DatabaseError as exc:
                    self.failures.append(f"{label}: transaction broken ({exc})")
            transaction.set_rollback(True)
        if response.status_code >= 500:
            exc = getattr(response, "exc_info", None)
            reason = repr(exc[1])[:300] if exc else ""
            self.failures.append(f"{label}: {response.status_code} {reason}")
        elif after is not None and after != before:
            changed = [
                f"{name} {a}→{b}"
                for (name, a), (_, b) in zip(before, after, strict=True)
                if a != b
            ]
            self.failures.append(f"{label}: rows changed ({', '.join(changed)})")
        return response

    def valid(self, label: str, url: str, data) -> bool:
        """Whether the unchanged form is accepted (a redirect), in a savepoint rolled back:
        then a refused bad value is refused for its own sake."""
        block = transaction.atomic()
        block._from_testcase = True
        with block:
            response = self.client.post(url, data)
            transaction.set_rollback(True)
        return response.status_code == 302


def form_fields(context) -> dict[str, forms.Field]:
    """HTML name -> form field of the admin page's form and its inlines' first rows."""
    found: dict[str, forms.Field] = {}
    if context is None:
        return found

    def add(form):
        for name, form_field in form.fields.items():
            html = form.add_prefix(name)
            found[html] = form_field
            for i in range(3):  # a multi-widget's parts (date and time)
                found[f"{html}_{i}"] = form_field

    adminform = context.get("adminform")
    if adminform is not None:
        add(adminform.form)
    for inline in context.get("inline_admin_formsets") or []:
        for form in inline.formset.forms[:1]:
            add(form)
    form = context.get("form")
    if isinstance(form, forms.BaseForm):
        add(form)
    return found


def class_of(name: str, kind: str, field: forms.Field | None) -> str | None:
    """The class of bad values a field takes, from its form field (else its widget)."""
    if name.endswith("-TOTAL_FORMS"):
        return "count"
    if name.endswith(("-INITIAL_FORMS", "-MIN_NUM_FORMS", "-MAX_NUM_FORMS")):
        return None  # Django reads only TOTAL_FORMS of what a browser may change
    if isinstance(field, forms.JSONField):
        return "json"
    if isinstance(field, (forms.ModelChoiceField, forms.ModelMultipleChoiceField)):
        return "id"
    if isinstance(field, forms.DecimalField):
        return "decimal"
    if isinstance(field, (forms.IntegerField, forms.FloatField)):
        return "integer"
    if isinstance(
        field,
        (
            forms.DateField,
            forms.DateTimeField,
            forms.TimeField,
            forms.SplitDateTimeField,
        ),
    ):
        return "date"
    if kind == "number":
        return "integer"
    if kind == "select" or (kind == "hidden" and name.endswith("-id")):
        return "id"
    if name.endswith("phone"):
        return "phone"
    if kind in ("text", "textarea", "email", "url", "search", "tel"):
        return "text"
    return None


def bad_values(klass: str, field: forms.Field | None) -> list[str]:
    """Bad values of a class; the first is posted to every field of the class at once."""
    if klass == "integer":
        high = getattr(field, "max_value", None)
        low = getattr(field, "min_value", None)
        return [
            str(high + 1 if high is not None else 2**31),
            str(low - 1 if low is not None else -(2**63) - 1),
            BAD_NUMBERS[3],  # thousands of digits
        ]
    return {
        "count": [str(2**63)],
        "decimal": [str(2**63), "1e9999", "NaN"],
        "id": BAD_IDS,
        "json": BAD_JSON,
        "date": BAD_DATES[1:2],
        "text": NUL_TEXT[:1],
        "phone": ["abc"],
    }[klass]


def fuzz_form(fuzzer, label, url, form: Form, fields, *, each_field=True):
    """Every field of a class at once given each bad value of the class (without
    `each_field`: the first only); then (with `each_field`) each field alone given the first (JSON: every) bad value of its class, the form
    otherwise as drawn. A NUL goes into the first text field only (the middleware refuses it
    wherever it is)."""
    by_class: dict[str, list[str]] = {}
    for name, _ in form.fields:
        if name == "csrfmiddlewaretoken" or "__prefix__" in name:
            continue
        if inline_row(name) not in (None, 0):
            continue
        klass = class_of(name, form.kinds.get(name, "text"), fields.get(name))
        if klass is not None and name not in by_class.setdefault(klass, []):
            by_class[klass].append(name)
    for klass, names in by_class.items():
        if klass == "text":
            names = names[:1]
        width = max(len(bad_values(klass, fields.get(n))) for n in names)
        width = width if each_field else 1
        for i in range(width):
            every = {
                n: values[min(i, len(values) - 1)]
                for n in names
                for values in [bad_values(klass, fields.get(n))]
            }
            fuzzer.attempt(f"{label} all {klass} #{i}", "post", url, form.data(**every))
        # Alone, each value that could reach a column: choice fields refuse an id that is
        # no id whatever the rest of the form holds (the posts of all at once show it).
        if not each_field or klass not in ("integer", "decimal", "json", "phone"):
            continue
        for name in names:
            values = bad_values(klass, fields.get(name))
            # JSON fields are few: each takes every bad value alone
            for value in values if klass == "json" else values[:1]:
                fuzzer.attempt(
                    f"{label} {name}={value[:20]!r}",
                    "post",
                    url,
                    form.data(**{name: value}),
                )


def inline_row(name: str) -> int | None:
    parts = name.split("-")
    if len(parts) >= 3 and parts[-2].isdigit():
        return int(parts[-2])
    return None


def main_form(html: str, form_id: str | None = None) -> Form | None:
    candidates = [f for f in page_forms(html) if f.method == "post"]
    if form_id:
        for form in candidates:
            if form.attrs.get("id") == form_id:
                return form
    with_csrf = [
        f for f in candidates if any(n == "csrfmiddlewaretoken" for n, _ in f.fields)
    ]
    return with_csrf[0] if with_csrf else None
