from django.core.management.base import CommandError

from apps.auditing.archive import archive_restore, resolve_manifest
from apps.auditing.commands import AuditedCommand
from apps.auditing.errors import ArchiveError
from apps.auditing.roles import as_owner
from apps.auditing.services import audit_record


class Command(AuditedCommand):
    help = "Load an audit archive back into a scratch table for an investigation."

    def add_arguments(self, parser):
        parser.add_argument(
            "archive", help="manifest or data file path, or the partition name"
        )
        parser.add_argument(
            "--table",
            default=None,
            help="scratch table name (default: audit_restore_<month>)",
        )

    def handle(self, *args, archive, table, **options):
        try:
            manifest = resolve_manifest(archive)
            # The scratch table is made by the owner (the application's role creates no
            # table); the application's role may read it.
            with as_owner():
                name, rows = archive_restore(manifest, table=table)
        except ArchiveError as exc:
            raise CommandError(str(exc)) from exc
        audit_record(
            "audit_archive_restored",
            data={"archive": manifest.name, "table": name, "rows": rows},
        )
        self.stdout.write(
            self.style.SUCCESS(f"restored {rows} rows from {manifest.name} into {name}")
        )
