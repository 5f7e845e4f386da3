from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.auditing.datadict import naming_problems, render

DEFAULT = Path(settings.BASE_DIR) / "docs" / "data-dictionary.md"


class Command(BaseCommand):
    help = (
        "Write docs/data-dictionary.md (every table, column, constraint, index and trigger of"
        " the shop's apps, with a Mermaid ERD per app) from the migrated database."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", default=str(DEFAULT), help="where to write it")
        parser.add_argument(
            "--check",
            action="store_true",
            help="write nothing; fail when the file differs or a name breaks the pattern",
        )

    def handle(self, *args, output, check, **options):
        text, path = render(), Path(output)
        problems = naming_problems()
        for problem in problems:
            self.stderr.write(f"naming: {problem}")
        if check:
            current = path.read_text() if path.exists() else ""
            if current != text:
                raise CommandError(
                    f"{path} is out of date: run `manage.py data_dictionary`."
                )
            if problems:
                raise CommandError(f"{len(problems)} name(s) break the naming pattern.")
            self.stdout.write(f"{path} is up to date.")
            return
        path.write_text(text)
        self.stdout.write(f"Wrote {path} ({text.count(chr(10))} lines).")
