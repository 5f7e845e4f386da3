"""`manage.py backup`: dump the shop's database with a manifest (docs/runbooks/backup.md)."""

from pathlib import Path

from django.core.management.base import CommandError

from apps.auditing.backup import backup_create, backup_root
from apps.auditing.commands import AuditedCommand
from apps.auditing.errors import BackupError
from apps.auditing.services import audit_record


class Command(AuditedCommand):
    help = (
        "Write <name>.dump (pg_dump -Fc) and <name>.manifest.json (size, SHA-256, rows per"
        " table, sums, triggers, functions) from one snapshot of the shop's database."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            type=Path,
            default=None,
            help="directory to write into (default: BACKUP_ROOT)",
        )
        parser.add_argument(
            "--name",
            default=None,
            help="file name stem (default: <database>-<UTC time>)",
        )

    def handle(self, *args, output, name, **options):
        output = output or backup_root()
        try:
            manifest = backup_create(output=output, name=name)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        audit_record(
            "database_backed_up",
            data={"backup": manifest.name, "sha256": manifest.sha256},
        )
        facts = manifest.facts
        rows = sum(table["rows"] for table in facts.tables.values())
        sums = sum(len(table["sums"]) for table in facts.tables.values())
        self.stdout.write(
            f"{output / manifest.file}: {manifest.bytes} bytes,"
            f" sha256 {manifest.sha256}\n"
            f"{output / manifest.name}.manifest.json: {len(facts.tables)} tables,"
            f" {rows} rows, {sums} sums, {len(facts.triggers)} triggers,"
            f" {len(facts.functions)} functions, as of {manifest.taken_at}"
        )
        self.stdout.write(self.style.SUCCESS(f"backup {manifest.name} written"))
