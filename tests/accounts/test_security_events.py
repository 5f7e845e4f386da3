"""Security-relevant events land in the audit trail, one query away for a person."""

from __future__ import annotations

import pytest

from apps.accounts import services
from apps.auditing.models import AuditEventWithPending
from apps.auditing.selectors import audit_row_history
from tests.accounts.factories import PASSWORD, RoleFactory, UserFactory

pytestmark = pytest.mark.django_db


def _trail(user, audit_trail, action):
    return audit_trail.events(
        table_name="accounts_user", row_pk=str(user.pk), action=action
    )


def test_sign_in_and_sign_out(client, audit_trail):
    user = UserFactory()
    assert (
        client.post(
            "/account/sign-in/",
            {"username": user.email, "password": PASSWORD},
            REMOTE_ADDR="10.2.3.4",
        ).status_code
        == 302
    )
    (login,) = _trail(user, audit_trail, "login")
    assert (login.actor_id, login.actor_kind, login.source, login.ip) == (
        user.pk,
        "customer",
        "web",
        "10.2.3.4",
    )
    assert client.post("/account/sign-out/").status_code == 302
    (logout,) = _trail(user, audit_trail, "logout")
    assert logout.actor_id == user.pk


def test_failed_sign_in_records_email_tried_and_ip(client, audit_trail):
    user = UserFactory(email="real@example.com")
    client.post(
        "/account/sign-in/",
        {"username": "REAL@example.com", "password": "nope"},
        REMOTE_ADDR="10.5.5.5",
    )
    client.post(
        "/account/sign-in/",
        {"username": "ghost@example.com", "password": "nope"},
        REMOTE_ADDR="10.5.5.5",
    )
    known, unknown = audit_trail.events(action="login_failed")
    assert (known.row_pk, known.changes["email"], known.changes["ip"]) == (
        str(user.pk),
        "real@example.com",
        "10.5.5.5",
    )
    assert (unknown.row_pk, unknown.changes["email"]) == (None, "ghost@example.com")


def test_password_change_page(client, audit_trail):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        "/account/password/",
        {
            "old_password": "wrong",
            "password1": "new secret words 1",
            "password2": "new secret words 1",
        },
    )
    assert (
        response.status_code == 400
        and b"current password is not correct" in response.content
    )
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    response = client.post(
        "/account/password/",
        {
            "old_password": PASSWORD,
            "password1": "new secret words 1",
            "password2": "new secret words 1",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("new secret words 1")
    assert len(_trail(user, audit_trail, "password_change")) == 1
    # Still signed in after the change.
    assert client.get("/account/").status_code == 200


def test_reset_verify_roles_and_preferences_are_recorded(audit_trail):
    user = UserFactory()
    services.email_verify(raw_token=services.email_verification_send(user=user))
    services.password_reset_complete(
        raw_token=services.password_reset_request(email=user.email),
        new_password="fresh secret 77",
    )
    role = RoleFactory(name="Helpers")
    services.role_grant(user=user, role=role)
    services.role_revoke(user=user, role=role)
    services.preferences_update(user=user, changes={"newsletter": True})
    actions = [
        e.action
        for e in AuditEventWithPending.objects.filter(
            id__gt=audit_trail.marker, table_name="accounts_user", row_pk=str(user.pk)
        )
        .exclude(action__in=["insert", "update"])
        .order_by("id")
    ]
    assert actions == [
        "email_verified",
        "password_reset_requested",
        "password_reset",
        "role_granted",
        "role_revoked",
        "preference_change",
    ]
    assert _trail(user, audit_trail, "preference_change")[0].changes == {
        "newsletter": [False, True]
    }


def test_a_persons_whole_trail_is_one_query(audit_trail, django_assert_num_queries):
    user = UserFactory()
    services.preferences_update(user=user, changes={"theme": "dark"})
    with django_assert_num_queries(1):
        trail = list(
            audit_row_history(
                table_name="accounts_user", row_pk=user.pk, include_pending=True
            )
        )
    assert {"insert", "preference_change"} <= {e.action for e in trail}
