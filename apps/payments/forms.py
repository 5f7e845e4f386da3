"""The pay form: a saved card or a new card's gateway token, never a card number."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError

from apps.auditing.formfields import IdempotencyKeyField

from .models import CARD_NUMBER_LIKE, PaymentMethod

TOKEN = re.compile(r"^[A-Za-z0-9_\-]{3,100}$")


def clean_card_token(token: str) -> str:
    """A card form's token: never a card number, only a token's characters."""
    token = token.strip()
    if re.search(CARD_NUMBER_LIKE, token):
        raise ValidationError(
            "Never type a card number here: use the card form.", code="card_number"
        )
    if token and not TOKEN.match(token):
        raise ValidationError("This is not a card token.", code="bad_token")
    return token


class PayForm(forms.Form):
    key = IdempotencyKeyField(expired="This form has expired. Please try again.")
    method = forms.ModelChoiceField(
        queryset=PaymentMethod.objects.none(),
        required=False,
        widget=forms.RadioSelect,
        empty_label=None,
        label="A saved card",
    )
    token = forms.CharField(
        max_length=100,
        required=False,
        label="A new card",
        help_text="The token the card form of the payment provider gives.",
    )

    save_card = forms.BooleanField(
        required=False,
        label="Save the new card for next time",
        help_text="The payment provider keeps the card; the shop keeps only its brand,"
        " last four digits and expiry.",
    )

    def __init__(self, *args, customer=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.customer = customer
        if customer is not None:
            self.fields["method"].queryset = PaymentMethod.objects.filter(
                customer=customer, is_active=True
            ).order_by("-created_at")
        else:  # a guest has nothing saved and nowhere to save
            del self.fields["method"]
            del self.fields["save_card"]

    def clean_token(self):
        return clean_card_token(self.cleaned_data["token"])

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("method") and not data.get("token"):
            raise ValidationError(
                "Choose a saved card or give a new one.", code="no_card"
            )
        return data


class CardForm(forms.Form):
    """Save a new card: the card form's token, never a card number."""

    token = forms.CharField(
        max_length=100,
        label="Card",
        help_text="The token the card form of the payment provider gives.",
    )

    def clean_token(self):
        return clean_card_token(self.cleaned_data["token"])
