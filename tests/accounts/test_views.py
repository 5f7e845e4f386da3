"""Storefront account pages: bad input is explained next to the field and changes nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from apps.accounts import services
from apps.accounts.models import Address, User
from tests.accounts.factories import PASSWORD, AddressFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_sign_up_creates_account_signs_in_and_sends_mail(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/account/sign-up/",
            {
                "email": "fresh@example.com",
                "full_name": "Fresh",
                "password1": PASSWORD,
                "password2": PASSWORD,
            },
        )
    assert response.status_code == 302
    user = User.objects.get(email="fresh@example.com")
    assert client.session["_auth_user_id"] == str(user.pk)
    assert len(mailoutbox) == 1 and user.email_verified_at is None


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"email": "not-an-email"}, "email", b"Enter a valid email address."),
        ({"email": "TAKEN@example.com"}, "email", b"already exists"),
        ({"password2": "different words 1"}, "password2", b"do not match"),
        ({"password1": "short", "password2": "short"}, "password2", b"too short"),
    ],
)
def test_sign_up_bad_input_is_refused_and_changes_nothing(
    client, mailoutbox, data, field, message, django_capture_on_commit_callbacks
):
    UserFactory(email="taken@example.com")
    before = User.all_objects.count()
    form = {
        "email": "new@example.com",
        "full_name": "",
        "password1": PASSWORD,
        "password2": PASSWORD,
        **data,
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/account/sign-up/", form)
    assert response.status_code == 400
    assert message in response.content
    assert (
        f'id="id_{field}-error"'.encode() in response.content
        or b'class="error"' in response.content
    )
    assert User.all_objects.count() == before and mailoutbox == []


def test_sign_in_page_names_the_shop_not_the_host(client, settings):
    settings.SITE_NAME = "Corner Shop"
    response = client.get("/account/sign-in/", HTTP_HOST="127.0.0.1:8300")
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Sign in · Corner Shop</title>" in page
    assert '<a class="brand" href="/">Corner Shop</a>' in page
    assert "Corner Shop</footer>" in page
    assert "127.0.0.1:8300" not in page


def test_sign_in_page_query_counts(client, django_assert_num_queries):
    user = UserFactory(email="count@example.com")
    with django_assert_num_queries(0):
        assert client.get("/account/sign-in/").status_code == 200
    # lockout check, user lookup, new session (exists check + insert in a savepoint),
    # last_login update (its audit row is written by the trigger in the same statement),
    # the login event, session save in a savepoint.
    with django_assert_num_queries(12):
        response = client.post(
            "/account/sign-in/", {"username": user.email, "password": PASSWORD}
        )
    assert response.status_code == 302


def test_wrong_password_shows_a_message_at_the_top(client):
    UserFactory(email="who@example.com")
    response = client.post(
        "/account/sign-in/", {"username": "who@example.com", "password": "bad"}
    )
    assert response.status_code == 400
    assert (
        b'class="form-errors"' in response.content
        and b"correct email" in response.content
    )


def test_profile_page_query_count_and_update(client, django_assert_num_queries):
    user = UserFactory()
    client.force_login(user)
    with django_assert_num_queries(2):  # session, user
        assert client.get("/account/").status_code == 200
    response = client.post(
        "/account/", {"full_name": "New Name", "phone": "+49 30 555"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.full_name, user.phone) == ("New Name", "+49 30 555")


def test_profile_bad_phone_is_refused_and_changes_nothing(client):
    user = UserFactory(full_name="Kept")
    client.force_login(user)
    response = client.post(
        "/account/", {"full_name": "Changed", "phone": "call me maybe"}
    )
    assert response.status_code == 400 and b"Enter a phone number" in response.content
    user.refresh_from_db()
    assert user.full_name == "Kept"


def test_preferences_page_saves_and_refuses_out_of_range(client):
    user = UserFactory()
    client.force_login(user)
    data = {"items_per_page": 48, "theme": "dark", "newsletter": "on"}
    assert client.post("/account/preferences/", data).status_code == 302
    user.refresh_from_db()
    assert user.preferences == {
        "items_per_page": 48,
        "theme": "dark",
        "newsletter": True,
        "order_updates": False,
    }
    response = client.post(
        "/account/preferences/", {**data, "items_per_page": 5, "theme": "neon"}
    )
    assert response.status_code == 400
    user.refresh_from_db()
    assert user.preferences["items_per_page"] == 48
    assert user.preferences["theme"] == "dark"


def test_preferences_page_offers_only_what_changes_the_shop(client):
    # no translations and one currency: no language or currency to choose
    user = UserFactory()
    client.force_login(user)
    form = client.get("/account/preferences/").context["form"]
    assert list(form.fields) == [
        "newsletter",
        "order_updates",
        "items_per_page",
        "theme",
    ]
    with pytest.raises(ValidationError, match="Unknown preference 'language'"):
        services.preferences_update(user=user, changes={"language": "de"})
    user.refresh_from_db()
    assert user.preferences == {}


def test_the_theme_preference_is_the_class_of_every_page(client):
    user = UserFactory()
    client.force_login(user)
    assert b'<html lang="en" class="theme-system">' in client.get("/").content
    services.preferences_update(user=user, changes={"theme": "dark"})
    for url in ("/", "/account/", "/search/?q=lamp"):
        assert b'<html lang="en" class="theme-dark">' in client.get(url).content
    client.logout()
    assert b'<html lang="en" class="theme-system">' in client.get("/").content


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"colour": "red"}, "Unknown preference 'colour'"),
        ({"newsletter": "yes"}, "must be bool"),
        ({"items_per_page": True}, "must be int"),
        ({"theme": "neon"}, "must be one of"),
    ],
)
def test_preferences_service_rejects_bad_values_clearly(changes, message):
    user = UserFactory()
    with pytest.raises(ValidationError, match=message):
        services.preferences_update(user=user, changes=changes)
    user.refresh_from_db()
    assert user.preferences == {}


def test_addresses_add_default_edit_delete(client):
    user = UserFactory()
    client.force_login(user)
    form = {
        "kind": "shipping",
        "full_name": "A",
        "line1": "Street 1",
        "postal_code": "10115",
        "city": "Berlin",
        "country": "de",
    }
    assert client.post("/account/addresses/new/", form).status_code == 302
    assert (
        client.post(
            "/account/addresses/new/", {**form, "line1": "Street 2"}
        ).status_code
        == 302
    )
    first, second = Address.objects.filter(user=user).order_by("pk")
    assert (first.is_default, second.is_default, first.country) == (True, False, "DE")
    assert client.post(f"/account/addresses/{second.pk}/default/").status_code == 302
    first.refresh_from_db(), second.refresh_from_db()
    assert (first.is_default, second.is_default) == (False, True)
    assert client.post(f"/account/addresses/{second.pk}/delete/").status_code == 302
    first.refresh_from_db()
    assert first.is_default and not Address.objects.filter(pk=second.pk).exists()
    page = client.get("/account/addresses/")
    assert b"Street 1" in page.content and b"Street 2" not in page.content


def test_address_bad_country_refused_and_nothing_saved(client):
    user = UserFactory()
    client.force_login(user)
    form = {
        "kind": "billing",
        "full_name": "A",
        "line1": "S",
        "postal_code": "1",
        "city": "C",
        "country": "Germany",
    }
    response = client.post("/account/addresses/new/", form)
    assert (
        response.status_code == 400 and b"two-letter country code" in response.content
    )
    assert not Address.objects.filter(user=user).exists()


def test_someone_elses_address_is_not_found(client):
    other = AddressFactory()
    client.force_login(UserFactory())
    assert client.get(f"/account/addresses/{other.pk}/").status_code == 404
    assert client.post(f"/account/addresses/{other.pk}/delete/").status_code == 404
    assert Address.objects.filter(pk=other.pk).exists()


def test_account_pages_require_sign_in(client):
    for path in (
        "/account/",
        "/account/addresses/",
        "/account/preferences/",
        "/account/my-data.json",
    ):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith(
            "/account/sign-in/"
        )
