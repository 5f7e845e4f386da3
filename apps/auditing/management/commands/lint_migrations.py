from django.core.management.base import BaseCommand, CommandError

from apps.auditing.migration_lint import lint, stale_allowances


class Command(BaseCommand):
    help = (
        "Check the shop's migrations for what would lock a busy table or wait for a lock"
        " without limit (docs/runbooks/migrations.md)."
    )

    def handle(self, *args, **options):
        problems, stale = lint(), stale_allowances()
        for problem in problems:
            self.stdout.write(self.style.ERROR(str(problem)))
        for entry in stale:
            self.stdout.write(
                self.style.WARNING(f"allow-list excuses nothing: {entry}")
            )
        if problems or stale:
            raise CommandError(
                f"{len(problems)} migration problem(s), {len(stale)} stale allowance(s)"
            )
        self.stdout.write("Every migration passes the linter.")
