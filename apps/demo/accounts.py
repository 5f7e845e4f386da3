"""Demo people for `manage.py seed_demo`: customers with addresses, staff with roles.

The demo customers sign in with DEMO_CUSTOMER_PASSWORD (the README lists their logins).
Idempotent: people who already exist are kept as they are; a demo customer seeded before
without a password gets it.
"""

from __future__ import annotations

from typing import IO

from django.core.management.base import OutputWrapper
from django.db import transaction
from django.utils import timezone

from apps.accounts import services
from apps.accounts.models import Role, User

from .progress import output, progress

DEMO_CUSTOMERS = [
    (
        "ada@example.com",
        "Ada Lovelace",
        "12 St James's Square",
        "SW1Y 4JH",
        "London",
        "GB",
    ),
    (
        "grace@example.com",
        "Grace Hopper",
        "Arlington Ridge Rd 1",
        "22202",
        "Arlington",
        "US",
    ),
    (
        "alan@example.com",
        "Alan Turing",
        "Sherborne Lane 3",
        "DT9 3AP",
        "Sherborne",
        "GB",
    ),
    (
        "katherine@example.com",
        "Katherine Johnson",
        "Langley Blvd 5",
        "23681",
        "Hampton",
        "US",
    ),
]
DEMO_STAFF = [
    ("support@shop.local", "Sam Support", "Support"),
    ("warehouse@shop.local", "Wes Warehouse", "Warehouse"),
]
DEMO_CUSTOMER_EMAILS = [customer[0] for customer in DEMO_CUSTOMERS]
# Development data only: a newcomer signs in as a customer with it (README.md).
DEMO_CUSTOMER_PASSWORD = "shop-demo-customer"


@transaction.atomic
def seed_people(stdout: IO[str] | OutputWrapper) -> int:
    """Create the demo customers and staff that are missing; return how many were created."""
    stdout = output(stdout)
    created = 0
    for i, (email, name, street, postcode, city, country) in enumerate(
        DEMO_CUSTOMERS, start=1
    ):
        user, was_created = User.objects.get_or_create(
            email=email,
            defaults={
                "full_name": name,
                "password": "!",
                "email_verified_at": timezone.now(),
            },
        )
        if was_created:
            created += 1
            address = {
                "kind": "shipping",
                "full_name": name,
                "line1": street,
                "postal_code": postcode,
                "city": city,
                "country": country,
            }
            services.address_create(user=user, data=address)
            services.address_create(user=user, data={**address, "kind": "billing"})
        if not user.has_usable_password():
            services.password_set(user=user, password=DEMO_CUSTOMER_PASSWORD)
        progress(stdout, "customers", i, len(DEMO_CUSTOMERS))
    for i, (email, name, role_name) in enumerate(DEMO_STAFF, start=1):
        user, was_created = User.objects.get_or_create(
            email=email, defaults={"full_name": name, "password": "!"}
        )
        role = Role.objects.filter(name=role_name).first()
        if role is not None:
            services.role_grant(user=user, role=role)
        created += was_created
        progress(stdout, "staff", i, len(DEMO_STAFF))
    stdout.write(f"{created} people created")
    return created
