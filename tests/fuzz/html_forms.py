"""The forms of a page as a browser would submit them: a test posts what a person could."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

SKIPPED_TYPES = {"submit", "button", "image", "reset", "file"}


@dataclass
class Form:
    attrs: dict[str, str]
    # (name, value) pairs in page order, as the browser sends them
    fields: list[tuple[str, str]] = field(default_factory=list)
    # name -> "text", "number", "select", "textarea", "hidden", "checkbox", ...
    kinds: dict[str, str] = field(default_factory=dict)
    # the first named submit button: (name, value), sent with the data
    submit: tuple[str, str] | None = None

    @property
    def action(self) -> str:
        return self.attrs.get("action", "")

    @property
    def method(self) -> str:
        return self.attrs.get("method", "get").lower()

    def data(self, **replace) -> dict[str, list[str]]:
        """The submitted data, with `replace` {name: value} swapped in."""
        data: dict[str, list[str]] = {}
        for name, value in self.fields:
            data.setdefault(name, []).append(value)
        if self.submit is not None:
            data.setdefault(self.submit[0], [self.submit[1]])
        for name, value in replace.items():
            data[name] = [value]
        return data


class _Parser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.form: Form | None = None
        self.select: tuple[str, list[str], bool, list[str]] | None = None
        self.option_value: str | None = None
        self.option_text: list[str] = []
        self.textarea: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.form = Form(a)
            self.forms.append(self.form)
        if "disabled" in a and tag in ("input", "select", "textarea"):
            return
        submit = (tag == "button" and a.get("type", "submit") == "submit") or (
            tag == "input" and a.get("type") in ("submit", "image")
        )
        if submit and "name" in a and self.form is not None:
            if self.form.submit is None:
                self.form.submit = (a["name"], a.get("value", ""))
            return
        if tag == "input" and "name" in a and self.form is not None:
            kind = a.get("type", "text").lower()
            if kind in SKIPPED_TYPES:
                return
            self.form.kinds[a["name"]] = kind
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.form.fields.append((a["name"], a.get("value", "on")))
                return
            self.form.fields.append((a["name"], a.get("value", "")))
        elif tag == "select" and "name" in a and self.form is not None:
            self.select = (a["name"], [], "multiple" in a, [])
            self.form.kinds[a["name"]] = "select"
        elif tag == "option" and self.select is not None:
            self.option_value = a.get("value")
            self.option_text = []
            if "selected" in a:
                self.select[1].append(a.get("value", ""))
            self.select[3].append(a.get("value", ""))
        elif tag == "textarea" and "name" in a and self.form is not None:
            self.textarea = (a["name"], [])
            self.form.kinds[a["name"]] = "textarea"

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1].append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "select" and self.select is not None:
            name, selected, multiple, options = self.select
            if not selected and not multiple and options:
                selected = [options[0]]  # what a browser submits
            if self.form is not None:
                self.form.fields.extend((name, value) for value in selected)
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            name, parts = self.textarea
            text = "".join(parts)
            if text.startswith("\n"):  # HTML drops the newline right after <textarea>
                text = text[1:]
            if self.form is not None:
                self.form.fields.append((name, text))
            self.textarea = None


def page_forms(html: str) -> list[Form]:
    """Every form of the page."""
    parser = _Parser()
    parser.feed(html)
    return parser.forms
