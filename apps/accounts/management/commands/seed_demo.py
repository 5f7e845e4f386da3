from django.db import transaction

from apps.accounts.models import User
from apps.auditing.commands import AuditedCommand

DEMO_CUSTOMERS = [
    ("ada@example.com", "Ada Lovelace"),
    ("grace@example.com", "Grace Hopper"),
    ("alan@example.com", "Alan Turing"),
    ("katherine@example.com", "Katherine Johnson"),
]


class Command(AuditedCommand):
    help = "Load the demo data (idempotent: existing rows are kept)."

    @transaction.atomic
    def handle(self, *args, **options):
        created = 0
        for i, (email, name) in enumerate(DEMO_CUSTOMERS, start=1):
            _, was_created = User.objects.get_or_create(
                email=email, defaults={"full_name": name, "password": "!"}
            )
            created += was_created
            self.stdout.write(f"\rcustomers {i}/{len(DEMO_CUSTOMERS)}", ending="")
        self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS(f"demo data ready ({created} customers created)")
        )
