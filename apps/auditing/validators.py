"""Rules of text that hold wherever text comes in: one phone rule, no NUL characters."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

NUL = "\x00"
NUL_MESSAGE = "Text cannot contain the NUL character (\\0). Remove it and try again."

PHONE_MESSAGE = "Enter a phone number of 5 to 30 digits, spaces and + ( ) - / ."

# Digits and the usual separators, an optional leading "+": what people type on a form.
# `\Z`, not `$`: the very end for Python and PostgreSQL alike (Python's `$` lets a
# trailing newline through).
PHONE_PATTERN = r"^\+?[0-9 ()./-]{5,30}\Z"
validate_phone = RegexValidator(
    regex=PHONE_PATTERN, message=PHONE_MESSAGE, code="invalid_phone"
)


def phone_valid(table: str) -> models.CheckConstraint:
    """The same rule kept by the database: a `phone` column is empty or PHONE_PATTERN
    (the pattern means the same to PostgreSQL's `~`)."""
    return models.CheckConstraint(
        condition=Q(phone="") | Q(phone__regex=PHONE_PATTERN),
        name=f"{table}_phone_valid",
    )


def contains_nul(value) -> bool:
    """Whether `value` (text, or JSON-like lists and dicts of it) holds a NUL character."""
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(contains_nul(k) or contains_nul(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(contains_nul(v) for v in value)
    return False
