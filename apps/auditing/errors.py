"""The shop's error base, and the auditing kernel's errors, each with a stable code."""


class ShopError(Exception):
    """A broken business rule: a stable `code` and a message fit to show a person.

    On the storefront it answers `http_status`: 400, because the request asked for something
    the rules refuse and asking again unchanged will not help. A class names another 4xx only
    when one says more (a spent one-time link is 410 Gone). See `web_errors.py`.
    """

    code = "shop_error"
    default_message = "That did not work."
    http_status = 400

    def __init__(self, message: str | None = None, **details):
        self.message = message or self.default_message
        self.details = details
        super().__init__(self.message)


def formatted(error_class: type[ShopError], **values) -> ShopError:
    """The error with its default message filled in from `values` (kept as details too)."""
    return error_class(error_class.default_message.format(**values), **values)


class AuditingError(ShopError):
    code = "auditing_error"


class RestoreConflict(AuditingError):
    """Restoring a row would duplicate a value an alive row now holds."""

    code = "restore_conflict"


class ArchiveError(AuditingError):
    code = "archive_invalid"


class PartitionError(AuditingError):
    code = "partition_error"


class RateLimited(ShopError):
    """Too many requests of one kind from one address or for one account (429)."""

    code = "rate_limited"
    http_status = 429
    default_message = (
        "Too many requests of this kind. Try again in {minutes} minute(s)."
    )


class BackupError(AuditingError):
    """A backup that cannot be taken, trusted or restored (the message says why)."""

    code = "backup_invalid"


class BadInput(ShopError):
    """A request carries a value no page of the shop accepts: a NUL character, an id that
    is no id. Answered 400 with nothing changed (`bad_input.py`)."""

    code = "bad_input"
    default_message = "The request held a value that cannot be accepted."
