"""Log output a person reads: a refused request is one line."""

from __future__ import annotations

import logging


class ClientErrorFilter(logging.Filter):
    """Drop the traceback from the record of a 4xx response.

    Django logs a PermissionDenied (403) or a SuspiciousOperation (400) with the exception
    that refused the request; the status and the path say all there is to say, and the
    traceback is of Django's own code, not a fault.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
            record.stack_info = None
        return True


class RequestIdFilter(logging.Filter):
    """Put the request id (and source) of the audit context in force on every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        from .context import current

        context = current()
        record.request_id = getattr(context, "request_id", None) or ""
        record.source = getattr(context, "source", None) or ""
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, request id, and the traceback
    when there is one (production logs, read by machines)."""

    def format(self, record: logging.LogRecord) -> str:
        import datetime as dt
        import json

        entry = {
            "time": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", ""),
            "source": getattr(record, "source", ""),
        }
        status = getattr(record, "status_code", None)
        if isinstance(status, int):
            entry["status"] = status
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)
