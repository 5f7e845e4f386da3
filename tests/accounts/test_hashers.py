import pytest
from django.contrib.auth.hashers import check_password, identify_hasher, make_password

from config.settings import base


def test_argon2id_is_first_with_owasp_parameters(settings):
    settings.PASSWORD_HASHERS = base.PASSWORD_HASHERS
    encoded = make_password("correct horse battery")
    assert encoded.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert identify_hasher(encoded).algorithm == "argon2"
    assert check_password("correct horse battery", encoded)
    assert not check_password("wrong", encoded)


@pytest.mark.django_db
def test_user_password_is_stored_as_argon2id(settings, django_user_model):
    settings.PASSWORD_HASHERS = base.PASSWORD_HASHERS
    user = django_user_model.objects.create_user(
        email="a@example.com", password="correct horse battery"
    )
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")


def test_verify_cost_parameters_are_the_cheap_owasp_set(settings):
    from apps.accounts.hashers import ShopArgon2PasswordHasher

    hasher = ShopArgon2PasswordHasher()
    assert (hasher.memory_cost, hasher.time_cost, hasher.parallelism) == (
        19 * 1024,
        2,
        1,
    )
