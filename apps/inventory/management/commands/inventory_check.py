from django.core.management.base import CommandError

from apps.auditing.commands import AuditedCommand
from apps.inventory import selectors


class Command(AuditedCommand):
    help = "Prove that the ledger sums to on_hand, and active reservations to reserved, for every stock row."

    def handle(self, *args, **options):
        ledger, reserved = (
            selectors.ledger_mismatches(),
            selectors.reserved_mismatches(),
        )
        for stock_id, on_hand, total in ledger:
            self.stdout.write(
                self.style.ERROR(
                    f"stock {stock_id}: on_hand {on_hand} but ledger sums to {total}"
                )
            )
        for stock_id, value, total in reserved:
            self.stdout.write(
                self.style.ERROR(
                    f"stock {stock_id}: reserved {value} but active reservations sum to {total}"
                )
            )
        if ledger or reserved:
            raise CommandError(f"{len(ledger) + len(reserved)} mismatch(es)")
        self.stdout.write(
            self.style.SUCCESS(
                "inventory check: ledger and reservations agree with stock"
            )
        )
