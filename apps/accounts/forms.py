from __future__ import annotations

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import password_validation
from django.contrib.auth.forms import (
    AdminPasswordChangeForm,
    AdminUserCreationForm,
    AuthenticationForm,
    UserChangeForm,
)
from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.auditing.formfields import PhoneField

from . import services, throttle
from .models import Address, User
from .preferences import SCHEMA, preferences_validate


class StaffUserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "full_name")


class StaffPasswordChangeForm(AdminPasswordChangeForm):
    """The admin's password page; the new password is set by the service, for `actor`."""

    def __init__(self, user, *args, actor=None, **kwargs):
        self.actor = actor
        super().__init__(user, *args, **kwargs)

    def save(self, commit=True):
        usable = self.cleaned_data["set_usable_password"]
        return services.password_set(
            user=self.user,
            password=self.cleaned_data["password1"] if usable else None,
            actor=self.actor,
        )


class StaffUserChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"

    def clean_preferences(self):
        return preferences_validate(self.cleaned_data.get("preferences") or {})


class LockoutCheckMixin:
    """Refuse sign-in with a clear message while the account or IP is locked out."""

    def clean(self):
        email = self.cleaned_data.get("username") or ""
        lockout = throttle.login_locked(
            email=email, ip=throttle.request_ip(self.request)
        )
        if self.request is not None:
            self.request.lockout_checked_for = throttle.normalize(email)
        if lockout is not None:
            throttle.login_failure_record(email=email, request=self.request)
            minutes = max(
                1,
                int((lockout.locked_until - timezone.now()).total_seconds() // 60) + 1,
            )
            raise ValidationError(
                "Too many failed sign-in attempts. Try again in %(minutes)s minute(s), or reset your password.",
                code="locked",
                params={"minutes": minutes},
            )
        return super().clean()


class SignInForm(LockoutCheckMixin, AuthenticationForm):
    username = forms.EmailField(
        label="Email",
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )


class AdminSignInForm(LockoutCheckMixin, AdminAuthenticationForm):
    username = forms.EmailField(
        label="Email", widget=forms.EmailInput(attrs={"autofocus": True})
    )


class SecondFactorForm(forms.Form):
    """The six-digit code of a staff member's authenticator app."""

    error_messages = {
        "wrong": "That code is not right, or came too soon after a wrong one: "
        "wait for the next code and try again."
    }
    otp_token = forms.CharField(
        label="Code from your authenticator app",
        max_length=10,
        widget=forms.TextInput(
            attrs={
                "autofocus": True,
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9 ]*",
            }
        ),
    )

    def __init__(self, *args, user: User, key: str | None = None, **kwargs):
        self.user, self.key, self.device = user, key, None
        super().__init__(*args, **kwargs)

    def clean_otp_token(self):
        token = self.cleaned_data["otp_token"]
        if self.key is not None:
            self.device = services.second_factor_enrol(
                user=self.user, key=self.key, token=token
            )
        else:
            self.device = services.second_factor_verify(user=self.user, token=token)
        if self.device is None:
            raise ValidationError(self.error_messages["wrong"], code="otp_wrong")
        return token


class NewPasswordMixin:
    def clean_password2(self):
        first, second = (
            self.cleaned_data.get("password1"),
            self.cleaned_data.get("password2"),
        )
        if first and second and first != second:
            raise ValidationError(
                "The two passwords do not match.", code="password_mismatch"
            )
        password_validation.validate_password(second, self.user_for_validation())
        return second


class SignUpForm(NewPasswordMixin, forms.Form):
    email = forms.EmailField(
        max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    full_name = forms.CharField(max_length=200, required=False, label="Full name")
    password1 = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label="Password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def user_for_validation(self):
        return User(
            email=self.cleaned_data.get("email", ""),
            full_name=self.cleaned_data.get("full_name", ""),
        )


class NewPasswordForm(NewPasswordMixin, forms.Form):
    password1 = forms.CharField(
        label="New password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label="New password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, user: User, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def user_for_validation(self):
        return self.user


class PasswordChangeForm(NewPasswordForm):
    old_password = forms.CharField(
        label="Current password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    field_order = ["old_password", "password1", "password2"]

    def clean_old_password(self):
        if not self.user.check_password(self.cleaned_data["old_password"]):
            raise ValidationError(
                "Your current password is not correct.", code="password_incorrect"
            )
        return self.cleaned_data["old_password"]


class PasswordResetRequestForm(forms.Form):
    email = forms.EmailField(
        max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )


class ProfileForm(forms.Form):
    full_name = forms.CharField(max_length=200, required=False, label="Full name")
    phone = PhoneField()


class PreferencesForm(forms.Form):
    """One field per declared preference."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, spec in SCHEMA.items():
            if spec.type is bool:
                self.fields[key] = forms.BooleanField(required=False, label=spec.label)
            elif spec.choices:
                self.fields[key] = forms.ChoiceField(
                    choices=[(c, c) for c in spec.choices], label=spec.label
                )
            else:
                self.fields[key] = forms.IntegerField(
                    min_value=spec.minimum, max_value=spec.maximum, label=spec.label
                )


class AddressForm(forms.ModelForm):
    country = forms.CharField(max_length=60, help_text="Two-letter code, e.g. DE or FR")
    make_default = forms.BooleanField(
        required=False, label="Use as my default address of this kind"
    )

    class Meta:
        model = Address
        fields = [
            "kind",
            "full_name",
            "company",
            "line1",
            "line2",
            "postal_code",
            "city",
            "region",
            "country",
            "phone",
        ]

    def clean_country(self):
        country = self.cleaned_data["country"].strip().upper()
        if len(country) != 2 or not country.isalpha():
            raise ValidationError(
                "Enter a two-letter country code, e.g. DE or FR.",
                code="invalid_country",
            )
        return country
