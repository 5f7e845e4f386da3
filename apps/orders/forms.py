"""The cart's forms: a variant and a quantity, as whole numbers and nothing else."""

from __future__ import annotations

from django import forms
from django.conf import settings

MAX_ID = 2**63 - 1  # the largest primary key PostgreSQL's bigint holds


def _whole_number(raw: str, *, maximum: int, message: str) -> int:
    raw = raw.strip()
    # str.isdigit() alone accepts other scripts' digits and int() accepts "1_000": ASCII only.
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 19:
        raise forms.ValidationError(message, code="invalid")
    value = int(raw)
    if not 1 <= value <= maximum:
        raise forms.ValidationError(message, code="out_of_range")
    return value


class CartLineForm(forms.Form):
    variant = forms.CharField(max_length=20)
    quantity = forms.CharField(max_length=20, required=False)

    def __init__(self, *args, quantity_required: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.quantity_required = quantity_required

    def clean_variant(self) -> int:
        return _whole_number(
            self.cleaned_data["variant"],
            maximum=MAX_ID,
            message="This item is not sold here.",
        )

    def clean_quantity(self) -> int | None:
        raw = self.cleaned_data["quantity"]
        if not raw and not self.quantity_required:
            return None
        maximum = settings.ORDERS_MAX_ITEMS
        return _whole_number(
            raw,
            maximum=maximum,
            message=f"Please enter a quantity from 1 to {maximum}.",
        )

    def first_error(self) -> str:
        for errors in self.errors.values():
            return errors[0]
        return ""
