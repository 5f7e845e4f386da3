"""Form fields every app's pages share."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError

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
