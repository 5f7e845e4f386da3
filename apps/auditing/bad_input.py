"""Refuse input no page accepts before it reaches a view, a form or the database.

PostgreSQL's text cannot hold a NUL character (`\\0`): psycopg refuses it with a DataError,
which would be a 500 wherever the value is used (a form field, a changelist filter, a search
term, a JSON body). `BadInputMiddleware` answers such a request 400 with a page that says why,
before any view runs. `object_ids(...)` checks ids the admin takes from a URL or a post
(`_selected_action`, history pages) the same way: a value the key column cannot hold is a 400,
never a ValueError from the ORM. The whole policy: docs/security.md.
"""

from __future__ import annotations

import logging
import re

from django.core.exceptions import ValidationError

from .errors import BadInput
from .validators import NUL
from .web_errors import shop_error_response

log = logging.getLogger(__name__)

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# An escaped NUL in JSON text: \u0000 after an even number of backslashes.
JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000", re.IGNORECASE)
NUL_REFUSED = (
    "The request held a NUL character (\\0), which text cannot contain. "
    "Nothing was changed; remove it and try again."
)


def _has_nul(querydict) -> bool:
    return any(
        NUL in key or any(NUL in value for value in values if isinstance(value, str))
        for key, values in querydict.lists()
    )


def request_has_nul(request) -> bool:
    """Whether the path, the query string, the posted fields or a JSON body hold a NUL."""
    if NUL in request.path or _has_nul(request.GET):
        return True
    if request.method not in ("POST", "PUT", "PATCH"):
        return False
    content_type = request.content_type or ""
    if content_type in FORM_TYPES:
        # Uploaded files are not read here: their readers check what they take (CSV rows).
        return _has_nul(request.POST)
    if content_type == "application/json" or content_type.endswith("+json"):
        body = request.body
        return b"\x00" in body or JSON_NUL.search(body) is not None
    return False


class BadInputMiddleware:
    """Answer 400, nothing changed, when a request carries a NUL character anywhere."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request_has_nul(request):
            log.info("refused %s %s: NUL in the request", request.method, request.path)
            return shop_error_response(request, BadInput(NUL_REFUSED))
        return self.get_response(request)


def object_ids(model, values, *, field=None) -> list:
    """`values` converted for the model's primary key (or `field`); BadInput (400) when one
    is not a value the column holds ("abc" for a number, a NUL, a number past its range)."""
    field = field or model._meta.pk
    converted = []
    for value in values:
        try:
            python = field.to_python(value)
            field.run_validators(python)
        except (ValidationError, ValueError, TypeError):
            raise BadInput(
                f"{value!r} is not the id of a {model._meta.verbose_name}."
            ) from None
        converted.append(python)
    return converted
