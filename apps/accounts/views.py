"""Storefront account pages: sign up, verify, sign in/out, password reset, profile, addresses.

A refused request (a spent link, ...) raises its ShopError: the middleware
(`apps.auditing.web_errors`) answers it with its page. Form pages show field problems next to
the field through `errors_on_form`.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from apps.auditing.web_errors import errors_on_form

from . import gdpr, services
from .errors import EmailTaken
from .forms import (
    AddressForm,
    NewPasswordForm,
    PasswordChangeForm,
    PasswordResetRequestForm,
    PreferencesForm,
    ProfileForm,
    SignInForm,
    SignUpForm,
)
from .models import AccountToken, Address
from .preferences import preferences_effective
from .tokens import token_peek


def sign_up(request):
    if request.user.is_authenticated:
        return redirect("account:home")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with errors_on_form(form, field="password1", fields={EmailTaken.code: "email"}):
            user = services.user_register(
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password1"],
                full_name=form.cleaned_data["full_name"],
            )
        if not form.errors:
            login(request, user, backend="apps.accounts.backends.RoleBackend")
            messages.success(
                request,
                f"Welcome! We sent a link to {user.email} to confirm your address.",
            )
            return redirect("account:home")
    return render(
        request,
        "account/sign_up.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


class SignInView(auth_views.LoginView):
    template_name = "account/sign_in.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        # LoginView names the site after the request's host ("127.0.0.1:8300") when the sites
        # framework is not installed; its context would hide the shop's name from the page.
        return {**super().get_context_data(**kwargs), "site_name": settings.SITE_NAME}

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 429 if form.has_error("__all__", "locked") else 400
        return response


@require_POST
def sign_out(request):
    return auth_views.LogoutView.as_view()(request)


def verify_email(request, token: str):
    if request.method == "POST":
        user = services.email_verify(raw_token=token)
        return render(request, "account/verify_done.html", {"verified_user": user})
    token_peek(raw=token, purpose=AccountToken.Purpose.VERIFY_EMAIL)
    return render(request, "account/verify.html", {"token": token})


@login_required
@require_POST
def verify_resend(request):
    if request.user.email_verified_at is None:
        services.email_verification_send(user=request.user)
        messages.success(
            request,
            f"We sent a new confirmation link to {request.user.email}. Earlier links no longer work.",
        )
    return redirect("account:home")


def password_reset_request(request):
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.password_reset_request(email=form.cleaned_data["email"])
        return render(
            request,
            "account/password_reset_sent.html",
            {"email": form.cleaned_data["email"]},
        )
    return render(
        request,
        "account/password_reset_request.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


def password_reset_confirm(request, token: str):
    record = token_peek(raw=token, purpose=AccountToken.Purpose.PASSWORD_RESET)
    form = NewPasswordForm(request.POST or None, user=record.user)
    if request.method == "POST" and form.is_valid():
        services.password_reset_complete(
            raw_token=token, new_password=form.cleaned_data["password1"]
        )
        messages.success(
            request, "Your password has been changed. Sign in with the new one."
        )
        return redirect("account:sign-in")
    return render(
        request,
        "account/password_reset_confirm.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@login_required
def home(request):
    user = request.user
    form = ProfileForm(
        request.POST or None, initial={"full_name": user.full_name, "phone": user.phone}
    )
    if request.method == "POST" and form.is_valid():
        services.profile_update(user=user, **form.cleaned_data)
        messages.success(request, "Your profile has been saved.")
        return redirect("account:home")
    return render(
        request, "account/home.html", {"form": form}, status=400 if form.errors else 200
    )


@login_required
def password_change(request):
    form = PasswordChangeForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        services.password_change(
            user=request.user, new_password=form.cleaned_data["password1"]
        )
        update_session_auth_hash(request, request.user)
        messages.success(request, "Your password has been changed.")
        return redirect("account:home")
    return render(
        request,
        "account/password_change.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@login_required
def preferences(request):
    form = PreferencesForm(
        request.POST or None, initial=preferences_effective(request.user.preferences)
    )
    if request.method == "POST" and form.is_valid():
        with errors_on_form(form):
            diff = services.preferences_update(
                user=request.user, changes=form.cleaned_data
            )
        if not form.errors:
            messages.success(
                request, "Preferences saved." if diff else "Nothing changed."
            )
            return redirect("account:preferences")
    return render(
        request,
        "account/preferences.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@login_required
def addresses(request):
    rows = Address.objects.filter(user=request.user).order_by(
        "kind", "-is_default", "pk"
    )
    return render(request, "account/addresses.html", {"addresses": rows})


@login_required
def address_edit(request, pk: int | None = None):
    address = get_object_or_404(Address, pk=pk, user=request.user) if pk else None
    form = AddressForm(request.POST or None, instance=address)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "make_default"}
        with errors_on_form(form):
            if address is None:
                address = services.address_create(
                    user=request.user,
                    data=data,
                    make_default=form.cleaned_data["make_default"],
                    actor=request.user,
                )
            else:
                address = services.address_update(
                    address=address, data=data, actor=request.user
                )
                if form.cleaned_data["make_default"]:
                    services.address_set_default(address=address, actor=request.user)
        if not form.errors:
            messages.success(request, "Address saved.")
            return redirect("account:addresses")
    return render(
        request,
        "account/address_form.html",
        {"form": form, "address": address},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def address_delete(request, pk: int):
    services.address_delete(
        address=get_object_or_404(Address, pk=pk, user=request.user),
        actor=request.user,
    )
    messages.success(request, "Address removed.")
    return redirect("account:addresses")


@login_required
@require_POST
def address_default(request, pk: int):
    services.address_set_default(
        address=get_object_or_404(Address, pk=pk, user=request.user),
        actor=request.user,
    )
    messages.success(request, "Default address changed.")
    return redirect("account:addresses")


@login_required
def data_export(request):
    data = gdpr.account_export(user=request.user, actor=request.user)
    response = HttpResponse(
        json.dumps(data, indent=2, default=str), content_type="application/json"
    )
    response["Content-Disposition"] = 'attachment; filename="my-data.json"'
    return response
