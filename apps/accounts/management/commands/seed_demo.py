from django.db import transaction
from django.utils import timezone

from apps.accounts import services
from apps.accounts.models import Role, User
from apps.auditing.commands import AuditedCommand

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


class Command(AuditedCommand):
    help = "Load the demo data (idempotent: existing rows are kept)."

    def progress(self, label: str, done: int, total: int) -> None:
        width = 30
        filled = width * done // total
        self.stdout.write(
            f"\r{label:<10} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}",
            ending="",
        )
        if done == total:
            self.stdout.write("")

    @transaction.atomic
    def handle(self, *args, **options):
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
            self.progress("customers", i, len(DEMO_CUSTOMERS))
        for i, (email, name, role_name) in enumerate(DEMO_STAFF, start=1):
            user, was_created = User.objects.get_or_create(
                email=email, defaults={"full_name": name, "password": "!"}
            )
            role = Role.objects.filter(name=role_name).first()
            if role is not None:
                services.role_grant(user=user, role=role)
            created += was_created
            self.progress("staff", i, len(DEMO_STAFF))
        self.stdout.write(
            self.style.SUCCESS(f"demo data ready ({created} people created)")
        )
