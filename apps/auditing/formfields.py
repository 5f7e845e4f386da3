"""Form fields every app's pages share.

The bad-input policy (docs/security.md) lives here for forms: numbers carry the range of the
column they go into, JSON is parsed with limits and without NUL, phones follow one rule.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.forms.fields import InvalidJSONInput, JSONString

from .validators import NUL_MESSAGE, PHONE_MESSAGE, contains_nul, validate_phone

KEY = re.compile(r"^[0-9a-f]{32}$")


class IdempotencyKeyField(forms.CharField):
    """The hidden key a form carries from the page that drew it (`uuid4().hex`): 32 hex
    digits, or the form is refused with `expired` (a stale or tampered page)."""

    def __init__(self, *, expired: str, **kwargs):
        self.expired = expired
        super().__init__(widget=forms.HiddenInput, max_length=32, **kwargs)

    def clean(self, value):
        key = super().clean(value)
        if not KEY.match(key):
            raise ValidationError(self.expired, code="bad_key")
        return key


# --- numbers -------------------------------------------------------------------------------


def column_range(model_field: models.Field) -> tuple[int | None, int | None]:
    """The smallest and largest whole number the model field's column holds."""
    if not isinstance(model_field, (models.IntegerField, models.AutoField)):
        return None, None
    return connection.ops.integer_field_range(model_field.get_internal_type())


def integer_field_for(model_field: models.Field, **kwargs) -> forms.IntegerField:
    """A form field for a number that goes into `model_field`'s column: never outside its
    range (a tighter `min_value` / `max_value` given here wins)."""
    low, high = column_range(model_field)
    if low is not None:
        kwargs["min_value"] = max(low, kwargs.get("min_value", low))
    if high is not None:
        kwargs["max_value"] = min(high, kwargs.get("max_value", high))
    return forms.IntegerField(**kwargs)


def decimal_field_for(model_field: models.DecimalField, **kwargs) -> forms.DecimalField:
    """A form field for an amount that goes into `model_field`'s numeric column."""
    kwargs.setdefault("max_digits", model_field.max_digits)
    kwargs.setdefault("decimal_places", model_field.decimal_places)
    return forms.DecimalField(**kwargs)


def column_bounds_kwargs(model_field: models.Field) -> dict:
    """The keyword arguments that bound the form field of `model_field` by its column
    (for `formfield_for_dbfield`); empty for anything but a plain whole-number column."""
    if model_field.choices or model_field.is_relation:
        return {}
    low, high = column_range(model_field)
    return {} if low is None else {"min_value": low, "max_value": high}


# --- JSON ----------------------------------------------------------------------------------

MAX_JSON_DIGITS = (
    18  # an integer of a JSON value fits a bigint, like every count we keep
)
MAX_JSON_DEPTH = 32


class JSONRefused(json.JSONDecodeError):
    """JSON that parses but that the shop does not store, with the reason for a person."""

    def __init__(self, reason: str, code: str):
        self.reason, self.code = reason, code
        super().__init__(reason, "", 0)


def _int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_JSON_DIGITS:
        raise JSONRefused(
            f"Numbers may have at most {MAX_JSON_DIGITS} digits.", "number_too_long"
        )
    return int(text)


def _float(text: str) -> float:
    if len(text) > 40:
        raise JSONRefused("This number is too long.", "number_too_long")
    value = Decimal(text)
    if not value.is_finite() or abs(value) > Decimal("1e15"):
        raise JSONRefused("Numbers must be below 10¹⁵.", "number_too_large")
    return float(text)


def _constant(name: str):
    raise JSONRefused(f"{name} is not a number JSON can store.", "not_a_number")


def _depth(value, limit: int) -> bool:
    if limit < 0:
        return False
    if isinstance(value, dict):
        return all(_depth(v, limit - 1) for v in value.values())
    if isinstance(value, list):
        return all(_depth(v, limit - 1) for v in value)
    return True


class SafeJSONDecoder(json.JSONDecoder):
    """json.loads that refuses what PostgreSQL's jsonb or Python cannot hold: integers past
    a bigint, NaN and infinities, NUL characters (`\\u0000`), nesting past 32 levels."""

    def __init__(self, *args, **kwargs):
        kwargs.update(parse_int=_int, parse_float=_float, parse_constant=_constant)
        super().__init__(*args, **kwargs)

    def decode(self, s, *args, **kwargs):
        try:
            value = super().decode(s, *args, **kwargs)
        except RecursionError:
            raise JSONRefused("This JSON is nested too deeply.", "too_deep") from None
        if not _depth(value, MAX_JSON_DEPTH):
            raise JSONRefused("This JSON is nested too deeply.", "too_deep")
        if contains_nul(value):
            raise JSONRefused(NUL_MESSAGE, "nul")
        return value


class SafeJSONField(forms.JSONField):
    """forms.JSONField with SafeJSONDecoder: bad JSON is a form error with its reason,
    never a ValueError (thousands of digits) or a DataError (NUL, NaN) from the database."""

    def __init__(self, **kwargs):
        kwargs["decoder"] = SafeJSONDecoder
        super().__init__(**kwargs)

    def to_python(self, value):
        if self.disabled or value in self.empty_values:
            return super().to_python(value)
        if isinstance(value, (list, dict, int, float, JSONString)):
            return value
        try:
            converted = json.loads(value, cls=self.decoder)
        except JSONRefused as exc:
            raise ValidationError(exc.reason, code=exc.code) from None
        except json.JSONDecodeError:
            raise ValidationError(
                self.error_messages["invalid"], code="invalid", params={"value": value}
            ) from None
        return JSONString(converted) if isinstance(converted, str) else converted

    def bound_data(self, data, initial):
        if self.disabled:
            return initial
        if data is None:
            return None
        try:
            return json.loads(data, cls=self.decoder)
        except json.JSONDecodeError:
            return InvalidJSONInput(data)


# --- text ----------------------------------------------------------------------------------


class PhoneField(forms.CharField):
    """The one phone rule of the shop (`validators.validate_phone`), on every form."""

    default_validators = [validate_phone]
    default_error_messages = {"invalid": PHONE_MESSAGE}

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
