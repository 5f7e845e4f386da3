"""The forms behind finance's buttons: each refuses what its service would, next to the field.

Every form that moves money carries an idempotency key drawn with the form, so a double
click or a resent post moves the money once.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from ..models import MONEY, RefundReason

KEY = re.compile(r"^[0-9a-f]{32}$")
CENT = Decimal("0.01")
EXPORT_MAX_DAYS = 366


def _amount(**kwargs) -> forms.DecimalField:
    return forms.DecimalField(min_value=CENT, **MONEY, **kwargs)


class KeyedForm(forms.Form):
    key = forms.CharField(widget=forms.HiddenInput, max_length=32)

    def __init__(self, *args, **kwargs):
        kwargs["initial"] = {"key": uuid.uuid4().hex, **kwargs.get("initial", {})}
        super().__init__(*args, **kwargs)

    def clean_key(self):
        key = self.cleaned_data["key"]
        if not KEY.match(key):
            raise ValidationError(
                "This form has expired. Please open it again.", code="bad_key"
            )
        return key


class CaptureForm(KeyedForm):
    amount = _amount()

    def __init__(self, *args, payment, **kwargs):
        super().__init__(*args, **kwargs)
        self.limit = payment.capturable
        self.fields["amount"].initial = self.limit
        self.fields["amount"].help_text = f"At most {self.limit} {payment.currency}."

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount > self.limit:
            raise ValidationError(
                f"At most {self.limit} can be captured on this payment.",
                code="capture_too_large",
            )
        return amount


class ConfirmForm(forms.Form):
    """No fields: the button's page asks to confirm."""

    def __init__(self, *args, **record):  # the record the button acts on: not needed
        super().__init__(*args)


class VoidForm(KeyedForm):
    def __init__(self, *args, payment, **kwargs):
        super().__init__(*args, **kwargs)


class RefundForm(KeyedForm):
    amount = _amount()
    reason = forms.ChoiceField(choices=[("", "---------"), *RefundReason.choices])
    note = forms.CharField(
        max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, payment, **kwargs):
        super().__init__(*args, **kwargs)
        self.limit = payment.refundable
        self.fields["amount"].help_text = (
            f"At most {self.limit} {payment.currency} (captured, less refunds and"
            " lost disputes)."
        )

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount > self.limit:
            raise ValidationError(
                f"At most {self.limit} can be refunded on this payment.",
                code="refund_too_large",
            )
        return amount


class DisputeOpenForm(forms.Form):
    gateway_reference = forms.CharField(
        max_length=100, help_text="The gateway's id of the dispute."
    )
    amount = _amount()
    reason = forms.CharField(max_length=60, required=False)
    respond_by = forms.DateTimeField(
        help_text="When the evidence is due at the gateway (UTC, YYYY-MM-DD HH:MM)."
    )
    evidence_notes = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, payment, **kwargs):
        super().__init__(*args, **kwargs)
        self.limit = payment.kept
        self.fields["amount"].help_text = f"At most {self.limit} {payment.currency}."

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount > self.limit:
            raise ValidationError(
                f"At most {self.limit} of this payment can be disputed.",
                code="dispute_invalid",
            )
        return amount


class EvidenceForm(forms.Form):
    notes = forms.CharField(max_length=10_000, widget=forms.Textarea(attrs={"rows": 8}))

    def __init__(self, *args, dispute, **kwargs):
        kwargs.setdefault("initial", {"notes": dispute.evidence_notes})
        super().__init__(*args, **kwargs)


class LedgerExportForm(forms.Form):
    start = forms.DateField(
        label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if start > end:
                raise ValidationError(
                    "The first day comes after the last.", code="bad_range"
                )
            if end - start >= dt.timedelta(days=EXPORT_MAX_DAYS):
                raise ValidationError(
                    f"Export at most {EXPORT_MAX_DAYS} days at a time.",
                    code="range_too_long",
                )
        return data
