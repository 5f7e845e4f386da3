from django.core.management.base import CommandError

from apps.auditing.archive import Manifest, archive_check, archive_root, manifests
from apps.auditing.commands import AuditedCommand
from apps.auditing.errors import ArchiveError


class Command(AuditedCommand):
    help = "Check every audit archive against its manifest (SHA-256 and row count)."

    def handle(self, *args, **options):
        root = archive_root()
        paths = manifests(root)
        failed = 0
        for path in paths:
            try:
                manifest = Manifest.load(path)
                archive_check(manifest, root)
            except ArchiveError as exc:
                failed += 1
                self.stdout.write(self.style.ERROR(f"FAIL {path.name}: {exc}"))
            else:
                self.stdout.write(
                    f"OK   {manifest.file}: {manifest.rows} rows, sha256 {manifest.sha256[:16]}…"
                )
        self.stdout.write(f"{len(paths)} archive(s) checked in {root}, {failed} failed")
        if failed:
            raise CommandError(f"{failed} archive(s) failed verification")
