"""`manage.py restore FILE`: restore a backup into a new database and verify it
(docs/runbooks/backup.md)."""

from pathlib import Path

from django.core.management.base import CommandError

from apps.auditing.commands import AuditedCommand
from apps.auditing.errors import BackupError
from apps.auditing.restore import backup_restore
from apps.auditing.services import audit_record


class Command(AuditedCommand):
    help = (
        "Check a backup's SHA-256, restore it into a new database owned by the owner role,"
        " then verify rows, sums, triggers and functions against its manifest and that"
        " append-only tables refuse a rewrite. Exits non-zero on any mismatch."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "file", type=Path, help="the backup's .dump or .manifest.json"
        )
        parser.add_argument(
            "--database",
            default=None,
            help="name of the new database (default: restore_<backup name>);"
            " an existing database is refused",
        )

    def handle(self, *args, file, database, **options):
        try:
            database, manifest, checks = backup_restore(file, database=database)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"backup {manifest.name} (sha256 {manifest.sha256[:16]}…, as of"
            f" {manifest.taken_at}) restored into database {database}"
        )
        for check in checks:
            if check.ok:
                self.stdout.write(f"OK   {check.text}")
            else:
                self.stdout.write(self.style.ERROR(f"FAIL {check.text}"))
        failed = [check for check in checks if not check.ok]
        audit_record(
            "database_restored",
            data={"backup": manifest.name, "database": database, "failed": len(failed)},
        )
        if failed:
            raise CommandError(
                f"{len(failed)} check(s) failed: database {database} does not match"
                f" backup {manifest.name} (kept for investigation)"
            )
        self.stdout.write(self.style.SUCCESS(f"database {database} verified"))
