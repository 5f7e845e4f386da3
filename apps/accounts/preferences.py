"""The declared schema of a user's preferences: known keys, types, defaults, allowed values."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError


@dataclass(frozen=True)
class Preference:
    type: type
    default: Any
    choices: tuple | None = None
    minimum: int | None = None
    maximum: int | None = None
    label: str = ""


# Each preference changes something a customer sees: items_per_page sizes the category and
# search listings (apps.catalog.views.common.per_page), theme is the class of the page's
# <html> (config.context_processors.site). There is no language or currency preference: the
# shop has no translations and charges in one currency (ORDERS_CURRENCY), so offering a
# choice would change nothing (migration 0009 removed them from stored preferences).
SCHEMA: dict[str, Preference] = {
    "newsletter": Preference(bool, False, label="Send me the newsletter"),
    "order_updates": Preference(bool, True, label="Email me about my orders"),
    "items_per_page": Preference(
        int, 24, minimum=12, maximum=96, label="Products per page"
    ),
    "theme": Preference(
        str, "system", choices=("system", "light", "dark"), label="Theme"
    ),
}

KNOWN_KEYS = tuple(SCHEMA)


def preferences_defaults() -> dict[str, Any]:
    return {key: spec.default for key, spec in SCHEMA.items()}


def preferences_validate(data: Any) -> dict[str, Any]:
    """Return the stored form of `data`, or raise ValidationError naming each problem."""
    if not isinstance(data, dict):
        raise ValidationError(
            "Preferences must be an object of key/value pairs.", code="invalid"
        )
    errors = []
    for key in sorted(set(data) - set(SCHEMA)):
        errors.append(
            ValidationError(
                "Unknown preference %(key)s; known preferences are: %(known)s.",
                code="unknown_key",
                params={"key": repr(key), "known": ", ".join(KNOWN_KEYS)},
            )
        )
    for key, value in data.items():
        spec = SCHEMA.get(key)
        if spec is None:
            continue
        # bool is an int in Python: check it explicitly both ways.
        if type(value) is not spec.type:
            errors.append(
                ValidationError(
                    "Preference %(key)s must be %(type)s.",
                    code="wrong_type",
                    params={"key": repr(key), "type": spec.type.__name__},
                )
            )
            continue
        if spec.choices and value not in spec.choices:
            errors.append(
                ValidationError(
                    "Preference %(key)s must be one of: %(choices)s.",
                    code="invalid_choice",
                    params={"key": repr(key), "choices": ", ".join(spec.choices)},
                )
            )
        if spec.minimum is not None and not spec.minimum <= value <= spec.maximum:
            errors.append(
                ValidationError(
                    "Preference %(key)s must be between %(min)s and %(max)s.",
                    code="out_of_range",
                    params={"key": repr(key), "min": spec.minimum, "max": spec.maximum},
                )
            )
    if errors:
        raise ValidationError(errors)
    return dict(data)


def preferences_effective(stored: dict[str, Any]) -> dict[str, Any]:
    """Stored values over the defaults."""
    return {
        **preferences_defaults(),
        **{k: v for k, v in stored.items() if k in SCHEMA},
    }
