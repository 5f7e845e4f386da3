"""A refused request (4xx) is one line in the log; a crash keeps its traceback."""

from __future__ import annotations

import io
import logging
from contextlib import contextmanager

import pytest
from django.core.exceptions import BadRequest, PermissionDenied
from django.urls import include, path

from apps.auditing.logs import ClientErrorFilter

pytestmark = pytest.mark.urls("tests.auditing.test_logs")


def forbidden(request):
    raise PermissionDenied("not yours")


def bad(request):
    raise BadRequest("that is not a number")


def crash(request):
    raise KeyError("not a refusal")


urlpatterns = [
    path("test/forbidden", forbidden),
    path("test/bad", bad),
    path("test/crash", crash),
    path("", include("tests.testapp.urls")),
]


@contextmanager
def shop_log():
    """What the configured handlers (settings.LOGGING) write, in one buffer."""
    buffer = io.StringIO()
    handlers = list(
        dict.fromkeys(
            handler
            for name in ("", "django", "django.request", "django.security")
            for handler in logging.getLogger(name).handlers
            if type(handler) is logging.StreamHandler
        )
    )
    assert handlers, "settings.LOGGING configures a console handler"
    streams = [handler.setStream(buffer) for handler in handlers]
    try:
        yield buffer
    finally:
        for handler, stream in zip(handlers, streams, strict=True):
            handler.setStream(stream)


@pytest.mark.parametrize(
    ("request_kwargs", "status", "line"),
    [
        (
            {"path": "/test/forbidden"},
            403,
            "Forbidden (Permission denied): /test/forbidden",
        ),
        ({"path": "/test/bad"}, 400, "that is not a number: /test/bad"),
        (
            {"path": "/test/bad", "HTTP_HOST": "evil.example"},
            400,
            "Invalid HTTP_HOST header: 'evil.example'",
        ),
    ],
)
def test_a_refused_request_logs_one_line_without_a_traceback(
    client, settings, request_kwargs, status, line
):
    # DEBUG on, as in development: Django's own DEBUG-only handler would write it again
    settings.DEBUG = True
    with shop_log() as log:
        response = client.get(**request_kwargs)
    assert response.status_code == status
    lines = log.getvalue().splitlines()
    assert len(lines) == 1, log.getvalue()
    assert line in lines[0]
    assert "Traceback" not in log.getvalue()


def test_a_crash_still_logs_its_traceback_once(client):
    client.raise_request_exception = False
    with shop_log() as log:
        assert client.get("/test/crash").status_code == 500
    assert log.getvalue().count("Traceback") == 1
    assert "KeyError: 'not a refusal'" in log.getvalue()


@pytest.mark.parametrize(("status", "kept"), [(None, True), (500, True), (404, False)])
def test_the_filter_drops_the_traceback_of_client_errors_only(status, kept):
    error = KeyError("x")
    record = logging.makeLogRecord(
        {"exc_info": (KeyError, error, error.__traceback__), "status_code": status}
    )
    assert ClientErrorFilter().filter(record) is True
    assert (record.exc_info is not None) is kept
