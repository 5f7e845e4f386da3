from io import StringIO

import pytest
from django.core.management import call_command

from apps.accounts.models import Address, User
from apps.catalog.models import Product


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_recorded_as_a_command(audit_trail):
    call_command("seed_demo", products=0, stdout=StringIO())
    users, addresses = User.objects.count(), Address.objects.count()
    assert users == 6 and addresses == 8
    out = StringIO()
    call_command("seed_demo", products=0, stdout=out)
    assert (User.objects.count(), Address.objects.count()) == (users, addresses)
    assert "0 people created" in out.getvalue()
    assert {e.source for e in audit_trail.events(table_name="accounts_user")} == {
        "command"
    }
    assert (
        User.objects.get(email="support@shop.local").role_grants.get().role.name
        == "Support"
    )
    assert not Product.objects.exists()
