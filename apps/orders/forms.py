"""Storefront order forms: cart lines (whole numbers and nothing else), the checkout steps
(where it goes, how it travels) and the one-click place-order form."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from apps.accounts.models import Address
from apps.auditing.formfields import IdempotencyKeyField, PhoneField

from .models import ShippingMethod

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


class AddressFields(forms.Form):
    """A postal address, with the same limits as the saved addresses' columns."""

    full_name = forms.CharField(max_length=200)
    company = forms.CharField(max_length=200, required=False)
    line1 = forms.CharField(label="Address line 1", max_length=200)
    line2 = forms.CharField(label="Address line 2", max_length=200, required=False)
    postal_code = forms.CharField(max_length=20)
    city = forms.CharField(max_length=100)
    region = forms.CharField(max_length=100, required=False)
    country = forms.CharField(
        max_length=2, min_length=2, help_text="Two-letter code, e.g. DE or FR"
    )
    phone = PhoneField()

    def clean_country(self):
        country = self.cleaned_data["country"].strip().upper()
        if not country and not self.fields["country"].required:
            return country
        if not (len(country) == 2 and country.isascii() and country.isalpha()):
            raise ValidationError(
                "Enter a two-letter country code, e.g. DE or FR.",
                code="invalid_country",
            )
        return country


class AddressStepForm(AddressFields):
    """Shipping address (a saved one or a new one), billing the same unless unticked."""

    email = forms.EmailField(
        max_length=254, help_text="We send the order confirmation here."
    )
    saved = forms.ModelChoiceField(
        queryset=Address.objects.none(),
        required=False,
        empty_label="A new address (below)",
        label="Ship to",
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user if user is not None and user.is_authenticated else None
        if self.user is not None:
            del self.fields["email"]
            self.fields["saved"].queryset = Address.objects.filter(
                user=self.user
            ).order_by("-is_default", "pk")
        else:
            del self.fields["saved"]
        # Address fields are needed only for a new address.
        if self.user is not None and self.data.get(self.add_prefix("saved")):
            for name in AddressFields.base_fields:
                self.fields[name].required = False

    def address(self) -> dict[str, str] | Address:
        saved = self.cleaned_data.get("saved")
        if saved is not None:
            return saved
        return {
            name: self.cleaned_data.get(name, "") for name in AddressFields.base_fields
        }


class DeliveryStepForm(forms.Form):
    method = forms.ModelChoiceField(
        queryset=ShippingMethod.objects.filter(is_active=True),
        widget=forms.RadioSelect,
        empty_label=None,
        label="Delivery",
        error_messages={
            "invalid_choice": "Please choose one of the delivery methods offered."
        },
    )


class PlaceOrderForm(forms.Form):
    """Carries the idempotency key minted when the review page was drawn."""

    key = IdempotencyKeyField(
        expired="This form has expired. Please review your order again."
    )


class CancelForm(forms.Form):
    reason = forms.CharField(max_length=500, required=False, widget=forms.Textarea)
