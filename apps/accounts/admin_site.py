"""The back office's site: staff sign in with a password, then with a second factor (TOTP).

Superusers must set up an authenticator app at their first sign-in and give its code at every
sign-in; other staff may set one up (then it is asked for every time too). Until the code is
given, the session reaches only the second-factor pages and "log out".

Loaded while the app registry is being filled (ShopAdminConfig): models are imported lazily.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

ENROL_KEY_SESSION = "accounts_second_factor_key"


class ShopAdminConfig(AdminConfig):
    default_site = "apps.accounts.admin_site.ShopAdminSite"


class ShopAdminSite(admin.AdminSite):
    site_header = "The Shop back office"
    site_title = "The Shop"

    def has_permission(self, request):
        from .selectors import second_factor_passed

        return super().has_permission(request) and second_factor_passed(request)

    def get_urls(self):
        return [
            path(
                "second-factor/",
                self._staff_only(self.second_factor_verify),
                name="second_factor_verify",
            ),
            path(
                "second-factor/sign-out/",
                self._staff_only(self.second_factor_sign_out),
                name="second_factor_sign_out",
            ),
            path(
                "second-factor/set-up/",
                self._staff_only(self.second_factor_enrol),
                name="second_factor_enrol",
            ),
            *super().get_urls(),
        ]

    def login(self, request, extra_context=None):
        # A password is not all: staff who owe a second factor go on to it.
        if request.method == "GET" and self._owes_second_factor(request):
            return self._second_factor_redirect(request)
        response = super().login(request, extra_context)
        if request.method == "POST" and self._owes_second_factor(request):
            return self._second_factor_redirect(request)
        return response

    # --- the second-factor pages ------------------------------------------------------------

    def _staff_only(self, view):
        """Signed in as active staff (the password step done); the second factor not yet."""

        def wrapper(request, *args, **kwargs):
            user = request.user
            if not (user.is_authenticated and user.is_active and user.is_staff):
                return HttpResponseRedirect(
                    reverse("admin:login", current_app=self.name)
                    + "?"
                    + urlencode({REDIRECT_FIELD_NAME: request.get_full_path()})
                )
            return view(request, *args, **kwargs)

        return never_cache(csrf_protect(wrapper))

    def _owes_second_factor(self, request) -> bool:
        from .selectors import second_factor_passed

        user = request.user
        return (
            user.is_authenticated
            and user.is_active
            and user.is_staff
            and not second_factor_passed(request)
        )

    def _next_url(self, request) -> str:
        candidate = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(
            REDIRECT_FIELD_NAME, ""
        )
        if url_has_allowed_host_and_scheme(
            candidate,
            allowed_hosts={request.get_host()},
            require_https=request.is_secure(),
        ):
            return candidate
        return reverse("admin:index", current_app=self.name)

    def _second_factor_redirect(self, request):
        from .selectors import second_factor_device

        name = (
            "admin:second_factor_verify"
            if second_factor_device(request.user) is not None
            else "admin:second_factor_enrol"
        )
        return HttpResponseRedirect(
            reverse(name, current_app=self.name)
            + "?"
            + urlencode({REDIRECT_FIELD_NAME: self._next_url(request)})
        )

    def _signed_in(self, request, device):
        import django_otp

        request.session.pop(ENROL_KEY_SESSION, None)
        django_otp.login(request, device)
        return HttpResponseRedirect(self._next_url(request))

    def _render(self, request, template, **context):
        return TemplateResponse(
            request,
            template,
            {
                **self.each_context(request),
                "next": self._next_url(request),
                **context,
            },
        )

    def second_factor_sign_out(self, request):
        """Leave without the second factor (the admin's own log-out needs it)."""
        from django.contrib.auth import logout
        from django.http import HttpResponseNotAllowed

        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        logout(request)
        return HttpResponseRedirect(reverse("admin:login", current_app=self.name))

    def second_factor_verify(self, request):
        """Ask for the code of the staff member's authenticator app."""
        from .forms import SecondFactorForm
        from .selectors import (
            second_factor_device,
            second_factor_passed,
            second_factor_verified,
        )

        if second_factor_device(request.user) is None:
            return self._second_factor_redirect(request)
        if second_factor_verified(request):
            return HttpResponseRedirect(self._next_url(request))
        form = SecondFactorForm(request.POST or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            return self._signed_in(request, form.device)
        return self._render(
            request,
            "admin/second_factor.html",
            form=form,
            title="Second factor",
            owed=not second_factor_passed(request),
        )

    def second_factor_enrol(self, request):
        """Set up an authenticator app: its secret as a QR code and as text, then a code."""
        import segno
        from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

        from .forms import SecondFactorForm
        from .selectors import (
            second_factor_device,
            second_factor_passed,
            second_factor_verified,
        )

        # Replacing an app someone already has needs that app's code first.
        if second_factor_device(
            request.user
        ) is not None and not second_factor_verified(request):
            return self._second_factor_redirect(request)
        key = request.session.get(ENROL_KEY_SESSION)
        if not key:
            key = request.session[ENROL_KEY_SESSION] = default_key()
        form = SecondFactorForm(request.POST or None, user=request.user, key=key)
        if request.method == "POST" and form.is_valid():
            return self._signed_in(request, form.device)
        device = TOTPDevice(user=request.user, key=key)
        uri = device.config_url
        secret = uri.split("secret=", 1)[1].split("&", 1)[0]
        return self._render(
            request,
            "admin/second_factor_enrol.html",
            form=form,
            title="Set up a second factor",
            otpauth_uri=uri,
            secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            qr_svg=segno.make(uri, error="m").svg_inline(
                scale=4, dark="#000", light="#fff"
            ),
            owed=not second_factor_passed(request),
            has_device=second_factor_device(request.user) is not None,
        )
