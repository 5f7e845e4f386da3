"""Rules of text that hold wherever text comes in: one phone rule, no NUL characters."""

from __future__ import annotations

from django.core.validators import RegexValidator

NUL = "\x00"
NUL_MESSAGE = "Text cannot contain the NUL character (\\0). Remove it and try again."

PHONE_MESSAGE = "Enter a phone number of 5 to 30 digits, spaces and + ( ) - / ."

# Digits and the usual separators, an optional leading "+": what people type on a form.
validate_phone = RegexValidator(
    regex=r"^\+?[0-9 ()./-]{5,30}$", message=PHONE_MESSAGE, code="invalid_phone"
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
