"""Hierarchical roles: a role has its ancestors' permissions, and the admin honours them."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from apps.accounts import services
from apps.accounts.errors import RoleCycle
from apps.accounts.selectors import role_effective_permissions, user_role_permissions
from tests.accounts.factories import RoleFactory, UserFactory, permission

pytestmark = pytest.mark.django_db


@pytest.fixture
def family():
    parent = RoleFactory(name="Parent")
    child = RoleFactory(name="Child", parent=parent)
    sibling = RoleFactory(name="Sibling", parent=None)
    services.role_permissions_set(
        role=parent, permissions=[permission("auditing.view_jobrun")]
    )
    return parent, child, sibling


def test_effective_permissions_include_all_ancestors(family):
    parent, child, _ = family
    grandchild = RoleFactory(name="Grandchild", parent=child)
    services.role_permissions_set(
        role=child, permissions=[permission("accounts.view_address")]
    )
    assert role_effective_permissions(grandchild.pk) == {
        "auditing.view_jobrun",
        "accounts.view_address",
    }
    assert role_effective_permissions(parent.pk) == {"auditing.view_jobrun"}


def test_parent_permission_opens_admin_page_for_child_role_but_not_for_sibling(
    client, family, django_capture_on_commit_callbacks
):
    _, child, sibling = family
    child_user, sibling_user = UserFactory(), UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.role_grant(user=child_user, role=child)
        services.role_grant(user=sibling_user, role=sibling)
    client.force_login(child_user)
    assert client.get("/admin/auditing/jobrun/").status_code == 200
    client.force_login(sibling_user)
    assert client.get("/admin/auditing/jobrun/").status_code == 403


def test_granting_a_role_makes_the_user_staff(family):
    user = UserFactory()
    services.role_grant(user=user, role=family[1])
    user.refresh_from_db()
    assert user.is_staff


def test_cached_permissions_are_invalidated_on_change(
    family, django_capture_on_commit_callbacks
):
    parent, child, _ = family
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.role_grant(user=user, role=child)
    assert user_role_permissions(user.pk) == {"auditing.view_jobrun"}
    with django_capture_on_commit_callbacks(execute=True):
        services.role_permissions_set(
            role=parent, permissions=[permission("accounts.view_user")]
        )
    assert user_role_permissions(user.pk) == {"accounts.view_user"}
    with django_capture_on_commit_callbacks(execute=True):
        services.role_revoke(user=user, role=child)
    assert user_role_permissions(user.pk) == set()


def test_permissions_are_served_from_the_cache(
    family, django_assert_num_queries, django_capture_on_commit_callbacks
):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.role_grant(user=user, role=family[1])
    cache.delete_pattern("*accounts:perms:*:" + str(user.pk))
    user_role_permissions(user.pk)
    with django_assert_num_queries(0):
        assert user_role_permissions(user.pk) == {"auditing.view_jobrun"}


def test_role_save_refuses_a_cycle_with_a_clear_error(family):
    parent, child, _ = family
    parent.parent = child
    with pytest.raises(RoleCycle, match="cannot inherit from itself"):
        services.role_save(role=parent)
    parent.refresh_from_db()
    assert parent.parent_id is None


def test_role_admin_form_refuses_a_cycle_next_to_the_field(admin_client_staff, family):
    parent, child, _ = family
    response = admin_client_staff.post(
        f"/admin/accounts/role/{parent.pk}/change/",
        {"name": "Parent", "description": "", "parent": child.pk},
    )
    assert response.status_code == 200
    assert b"cannot inherit from itself" in response.content
    parent.refresh_from_db()
    assert parent.parent_id is None


def test_role_admin_lists_the_tree_with_inherited_permissions(
    admin_client_staff, family, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        response = admin_client_staff.get("/admin/accounts/role/")
    assert response.status_code == 200
    body = response.content.decode()
    assert body.index("Parent") < body.index("Child")
    assert "<span title='inherited'>auditing.view_jobrun</span>" in body


def test_roles_inline_grants_through_the_service(
    admin_client_staff, family, audit_trail
):
    _, child, _ = family
    user = UserFactory()
    data = {
        "email": user.email,
        "full_name": user.full_name,
        "phone": "",
        "preferences": "{}",
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        "role_grants-TOTAL_FORMS": "1",
        "role_grants-INITIAL_FORMS": "0",
        "role_grants-0-role": child.pk,
        "role_grants-0-user": user.pk,
        "addresses-TOTAL_FORMS": "0",
        "addresses-INITIAL_FORMS": "0",
    }
    response = admin_client_staff.post(f"/admin/accounts/user/{user.pk}/change/", data)
    assert response.status_code == 302, response.content[:3000]
    assert list(user.role_grants.values_list("role__name", flat=True)) == ["Child"]
    assert audit_trail.events(action="role_granted")[0].changes == {"role": "Child"}
