"""The storefront's one error boundary: a ShopError a view raises is a 4xx page, never a 500."""

from __future__ import annotations

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import include, path

from apps.accounts.errors import EmailTaken, TokenExpired, TokenInvalid
from apps.auditing.errors import ShopError
from apps.auditing.web_errors import error_templates, errors_on_form
from apps.catalog.errors import CatalogError, SkuTaken
from apps.catalog.models import Category
from tests.catalog.factories import CategoryFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.auditing.test_web_errors")]


def refuse(request):
    """A storefront view whose service writes, then refuses: the write is rolled back."""
    with transaction.atomic():
        CategoryFactory(name="Written then refused")
        raise SkuTaken()


def gone(request):
    raise TokenExpired()


def crash(request):
    raise KeyError("not a business rule")


urlpatterns = [
    path("test/refuse", refuse),
    path("test/gone", gone),
    path("test/crash", crash),
    path("", include("tests.testapp.urls")),
]


def test_a_shop_error_is_a_400_page_with_the_message_on_top(client):
    response = client.get("/test/refuse")
    assert response.status_code == 400
    page = response.content.decode()
    assert SkuTaken.default_message in page
    assert page.index(SkuTaken.default_message) < page.index("That could not be done")
    assert "<title>Not possible" in page
    assert not Category.objects.filter(name="Written then refused").exists()


def test_an_error_class_can_name_a_more_exact_status(client):
    response = client.get("/test/gone")
    assert response.status_code == 410
    assert TokenExpired.default_message.encode() in response.content


def test_other_exceptions_are_not_turned_into_pages(client):
    with pytest.raises(KeyError):
        client.get("/test/crash")


def test_templates_go_from_the_most_specific_code_to_the_shop_error_page():
    assert error_templates(TokenInvalid()) == [
        "errors/token_invalid.html",
        "errors/token_error.html",
        "errors/accounts_error.html",
        "errors/shop_error.html",
    ]
    assert error_templates(CatalogError())[-1] == "errors/shop_error.html"


def test_a_bad_link_on_an_account_page_goes_through_the_middleware(client):
    response = client.post("/account/verify/not-a-real-token/")
    assert response.status_code == 400
    assert b"We could not confirm your email" in response.content
    assert TokenInvalid.default_message.encode() in response.content


# --- the form helper -------------------------------------------------------------------------


class EmailForm(forms.Form):
    email = forms.EmailField()
    password = forms.CharField()


def _form():
    form = EmailForm({"email": "a@example.com", "password": "x"})
    assert form.is_valid()
    return form


def test_errors_on_form_puts_a_mapped_shop_error_next_to_its_field():
    form = _form()
    with errors_on_form(form, fields={EmailTaken.code: "email"}):
        raise EmailTaken()
    assert form.errors == {"email": [EmailTaken.default_message]}


def test_errors_on_form_puts_a_validation_error_next_to_the_given_field():
    form = _form()
    with errors_on_form(form, field="password"):
        raise ValidationError("Too short.", code="password_too_short")
    assert form.errors == {"password": ["Too short."]}


def test_errors_on_form_leaves_other_shop_errors_to_the_middleware():
    form = _form()
    with pytest.raises(ShopError):
        with errors_on_form(form, fields={EmailTaken.code: "email"}):
            raise SkuTaken()
    assert form.errors == {}


def test_sign_up_refused_by_the_service_shows_it_next_to_the_field(client):
    from tests.accounts.factories import UserFactory

    # The form does not look the email up (the limited service does: a sign-up page must
    # not tell anyone which emails have accounts faster than the limit allows).
    UserFactory(email="taken@example.com")
    response = client.post(
        "/account/sign-up/",
        {
            "email": "taken@example.com",
            "full_name": "Tess",
            "password1": "a long enough secret 42",
            "password2": "a long enough secret 42",
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors["email"] == [EmailTaken.default_message]
    assert (
        UserFactory._meta.model.objects.filter(
            email__iexact="taken@example.com"
        ).count()
        == 1
    )
