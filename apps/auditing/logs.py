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
