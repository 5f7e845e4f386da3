"""Back office for accounts: users, history, preferences validation, token purge job."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from apps.accounts import services
from apps.accounts.models import AccountToken
from apps.auditing.jobs import job_execute
from tests.accounts.factories import UserFactory, tokens_backdate

pytestmark = pytest.mark.django_db


def _change_data(user, **overrides):
    return {
        "email": user.email,
        "full_name": user.full_name,
        "phone": "",
        "preferences": "{}",
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        "role_grants-TOTAL_FORMS": "0",
        "role_grants-INITIAL_FORMS": "0",
        "addresses-TOTAL_FORMS": "0",
        "addresses-INITIAL_FORMS": "0",
        **overrides,
    }


def test_user_search_by_email_and_name(
    admin_client_staff, django_assert_max_num_queries
):
    UserFactory(email="findme@example.com", full_name="Quentin Quill")
    UserFactory.create_batch(5)
    with django_assert_max_num_queries(12):
        by_email = admin_client_staff.get("/admin/accounts/user/?q=findme")
    assert b"findme@example.com" in by_email.content
    assert (
        b"findme@example.com"
        in admin_client_staff.get("/admin/accounts/user/?q=Quill").content
    )


def test_user_list_query_count_is_constant(
    admin_client_staff, django_assert_max_num_queries
):
    UserFactory.create_batch(30)
    with django_assert_max_num_queries(12):
        assert admin_client_staff.get("/admin/accounts/user/").status_code == 200


def test_staff_edit_of_profile_is_in_history_with_the_staff_actor(
    admin_client_staff, staff
):
    user = UserFactory(full_name="Before")
    response = admin_client_staff.post(
        f"/admin/accounts/user/{user.pk}/change/", _change_data(user, full_name="After")
    )
    assert response.status_code == 302
    latest = user.history.latest()
    assert (latest.full_name, latest.history_user_id) == ("After", staff.pk)
    assert (
        admin_client_staff.get(f"/admin/accounts/user/{user.pk}/history/").status_code
        == 200
    )


def test_admin_refuses_unknown_preferences_next_to_the_field(admin_client_staff):
    user = UserFactory()
    response = admin_client_staff.post(
        f"/admin/accounts/user/{user.pk}/change/",
        _change_data(user, preferences='{"colour": "red"}'),
    )
    assert response.status_code == 200
    assert b"Unknown preference" in response.content
    user.refresh_from_db()
    assert user.preferences == {}


def test_admin_delete_soft_deletes_and_restore_brings_back(admin_client_staff):
    user = UserFactory()
    admin_client_staff.post(f"/admin/accounts/user/{user.pk}/delete/", {"post": "yes"})
    assert user.__class__.deleted_objects.filter(pk=user.pk).exists()
    admin_client_staff.post(
        "/admin/accounts/user/?state=deleted",
        {"action": "restore_selected", "_selected_action": [user.pk]},
    )
    assert user.__class__.objects.filter(pk=user.pk).exists()


def test_token_purge_job_deletes_only_old_dead_tokens(settings):
    settings.ACCOUNTS_TOKEN_RETENTION_DAYS = 7
    settings.JOB_BATCH_SIZE = 2
    user, other = UserFactory(), UserFactory()
    live = services.email_verification_send(user=user)
    services.password_reset_request(email=user.email)
    long_ago = timezone.now() - dt.timedelta(days=8)
    for person in (other, UserFactory(), UserFactory()):
        services.email_verification_send(user=person)
    tokens_backdate(
        AccountToken.objects.exclude(user=user),
        created_at=long_ago - dt.timedelta(days=1),
        expires_at=long_ago,
    )
    run = job_execute("accounts.tokens_purge")
    assert run.outcome == "success" and run.rows == 3
    assert AccountToken.objects.count() == 2
    assert services.email_verify(raw_token=live).is_verified
    assert job_execute("accounts.tokens_purge").rows == 0


def test_user_list_searches_and_order_are_answered_by_indexes(
    admin_client_staff,
):
    """`icontains` asks UPPER(col::text) LIKE UPPER(...), the expression the trigram
    indexes hold; the list's order (email) has its index; the count is capped."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from apps.accounts.models import User
    from tests.plans import plan

    UserFactory(email="dial@example.com", phone="+4930123456")
    response = admin_client_staff.get("/admin/accounts/user/?q=30123")
    assert [u.email for u in response.context["cl"].result_list] == ["dial@example.com"]
    with CaptureQueriesContext(connection) as captured:
        admin_client_staff.get("/admin/accounts/user/")
    counts = [q["sql"] for q in captured if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1 and "LIMIT 10000" in counts[0]

    users = User.all_objects
    assert "accounts_user_email_trgm" in plan(
        users.filter(email__icontains="dial").order_by()
    )
    assert "accounts_user_name_trgm" in plan(
        users.filter(full_name__icontains="qu").order_by()
    )
    assert "accounts_user_phone_trgm" in plan(
        users.filter(phone__icontains="301").order_by()
    )
    assert re.search(r"\baccounts_user_email\s", plan(users.order_by("email")[:100]))
