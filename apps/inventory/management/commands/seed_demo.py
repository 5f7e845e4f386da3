from django.core.management.base import CommandParser

from apps.accounts.demo import seed_people
from apps.auditing.commands import AuditedCommand
from apps.catalog.demo import seed_catalog
from apps.inventory.demo import seed_stock


class Command(AuditedCommand):
    help = (
        "Load the demo data: people, a catalog topped up to --products products, and stock "
        "for it (idempotent: existing rows are kept, nothing is duplicated)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--products",
            type=int,
            default=200,
            help="demo products the catalog should hold (default 200; 0: people only)",
        )

    def handle(self, *args, **options):
        people = seed_people(self.stdout)
        products = 0
        if options["products"] > 0:
            products = seed_catalog(self.stdout, products=options["products"])
            seed_stock(self.stdout)
        self.stdout.write(
            self.style.SUCCESS(
                f"demo data ready ({people} people created, {products} products created)"
            )
        )
