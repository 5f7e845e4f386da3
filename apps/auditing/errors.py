"""Exceptions of the auditing kernel, each with a stable code."""


class AuditingError(Exception):
    code = "auditing_error"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class RestoreConflict(AuditingError):
    """Restoring a row would duplicate a value an alive row now holds."""

    code = "restore_conflict"


class ArchiveError(AuditingError):
    code = "archive_invalid"


class PartitionError(AuditingError):
    code = "partition_error"
