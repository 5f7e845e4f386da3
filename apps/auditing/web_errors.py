"""How a broken business rule reaches a person on the storefront.

One middleware turns every `ShopError` a view lets through into a page with the message at
the top and the error's `http_status` (400 unless the error class says more, see
`errors.ShopError`), never a 500. The page is the first template found of
`errors/<code>.html` for the error's class and its bases, down to `errors/shop_error.html`.

A form page that wants the message next to a field instead runs the service inside
`errors_on_form(form, ...)`: the one helper for that, so views keep no try/except of their own.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.template.response import TemplateResponse

from .errors import ShopError

log = logging.getLogger(__name__)


def error_templates(error: ShopError) -> list[str]:
    """`errors/<code>.html` of the error's class, then of each base class, most specific first."""
    codes = [
        cls.code
        for cls in type(error).__mro__
        if isinstance(cls, type) and issubclass(cls, ShopError)
    ]
    return [f"errors/{code}.html" for code in dict.fromkeys(codes)]


def shop_error_response(request, error: ShopError):
    """The storefront page for a refused request: the message on top, a 4xx status; a
    request that sent JSON (a gateway's notification, an API client) gets JSON back."""
    if request.content_type == "application/json":
        return JsonResponse(
            {"error": error.code, "message": error.message}, status=error.http_status
        )
    response = TemplateResponse(
        request, error_templates(error), {"error": error}, status=error.http_status
    )
    return response.render()


class ShopErrorMiddleware:
    """Answer a ShopError raised by a view with its page (4xx), never a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, ShopError):
            return None
        log.info("refused %s %s: %s", request.method, request.path, exception.code)
        return shop_error_response(request, exception)


@contextmanager
def errors_on_form(
    form, *, field: str | None = None, fields: Mapping[str, str] | None = None
) -> Iterator[None]:
    """Show what the block refuses on `form`, next to a field, instead of an error page.

    A ValidationError goes next to `field` (or to the fields it names; at the top of the form
    when neither). A ShopError whose code is a key of `fields` goes next to that field; any
    other ShopError is left to the middleware's page. The caller checks `form.errors` after.
    """
    try:
        yield
    except ValidationError as exc:
        form.add_error(None if hasattr(exc, "error_dict") else field, exc)
    except ShopError as exc:
        if exc.code not in (fields or {}):
            raise
        form.add_error(fields[exc.code], ValidationError(exc.message, code=exc.code))
