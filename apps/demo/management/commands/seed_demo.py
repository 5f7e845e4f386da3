from django.core.management.base import CommandParser

from apps.auditing.commands import AuditedCommand
from apps.demo import steps
from apps.demo.backlog import drain_audit_backlog, draining


class Command(AuditedCommand):
    help = (
        "Load the demo data: people, a catalog topped up to --products products, stock for "
        "it and a history of --orders orders (idempotent: existing rows are kept, nothing "
        "is duplicated). The audit backlog it leaves is drained before it returns."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--products",
            type=int,
            default=200,
            help="demo products the catalog should hold (default 200; 0: people only)",
        )
        parser.add_argument(
            "--orders",
            type=int,
            default=150,
            help="demo orders there should be, over the last 60 days in every state (default 150)",
        )

    def handle(self, *args, **options):
        products = options["products"]
        created = {step.counts: 0 for step in steps.STEPS if step.counts}
        with draining():
            for step in steps.STEPS:
                if step.needs_catalog and products <= 0:
                    continue
                rows = step.seed(
                    self.stdout, {"products": products, "orders": options["orders"]}
                )
                if step.counts:
                    created[step.counts] = rows
        drain_audit_backlog(self.stdout)
        summary = ", ".join(f"{rows} {noun} created" for noun, rows in created.items())
        self.stdout.write(self.style.SUCCESS(f"demo data ready ({summary})"))
