import json as jsonlib

from django.core.management.base import BaseCommand

from apps.auditing.dbhealth import db_health


class Command(BaseCommand):
    help = (
        "How the database is doing: cache hit ratio, largest tables, unused indexes, dead"
        " tuples, slowest statements, long transactions (--json for one JSON document)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=10, help="rows per list")
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args, limit, json: bool = False, **options):
        health = db_health(limit=limit)
        if json:
            self.stdout.write(_json(health))
            return
        ratio = health.cache_hit_ratio
        self.stdout.write(
            "cache hit ratio: " + ("no reads yet" if ratio is None else f"{ratio:.2%}")
        )
        sections = [
            (
                "largest tables",
                health.largest_tables,
                ("table", "size", "estimated_rows"),
            ),
            ("unused indexes", health.unused_indexes, ("index", "table", "size")),
            (
                "dead tuples",
                health.dead_tuples,
                ("table", "dead", "live", "last_autovacuum"),
            ),
            (
                "slowest statements",
                health.slowest_statements,
                ("total_ms", "calls", "mean_ms", "query"),
            ),
            (
                "long transactions",
                health.long_transactions,
                ("pid", "role", "seconds", "query"),
            ),
        ]
        for title, rows, columns in sections:
            self.stdout.write(f"\n{title}:")
            if title == "slowest statements" and not health.statements_available:
                self.stdout.write("  pg_stat_statements is not installed")
                continue
            if not rows:
                self.stdout.write("  none")
            for row in rows:
                self.stdout.write("  " + " | ".join(str(row[c]) for c in columns))


def _json(health) -> str:
    return jsonlib.dumps(health.__dict__, default=str, sort_keys=True)
