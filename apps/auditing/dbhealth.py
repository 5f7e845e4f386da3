"""How the database is doing: the figures an operator checks first.

Cache hit ratio, the largest tables, indexes never used, dead tuples waiting for vacuum, the
slowest statements (from `pg_stat_statements` when the extension is installed) and long
transactions. Read-only queries of PostgreSQL's statistics views, cheap on any size of
database; `manage.py db_health` prints them and the admin shows them (superusers).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import DatabaseError, connection, transaction

LONG_TRANSACTION_SECONDS = 60


@dataclass
class Health:
    cache_hit_ratio: float | None = None  # share of block reads served from memory
    largest_tables: list[dict] = field(default_factory=list)
    unused_indexes: list[dict] = field(default_factory=list)
    dead_tuples: list[dict] = field(default_factory=list)
    slowest_statements: list[dict] = field(default_factory=list)
    statements_available: bool = False  # pg_stat_statements installed and readable
    long_transactions: list[dict] = field(default_factory=list)


def _dicts(cursor, sql: str, params=()) -> list[dict]:
    cursor.execute(sql, params)
    names = [c.name for c in cursor.description]
    rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    for row in rows:
        if isinstance(row.get("query"), str):
            row["query"] = " ".join(row["query"].split())  # one line per statement
    return rows


def db_health(*, limit: int = 10) -> Health:
    health = Health()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sum(blks_hit)::float / nullif(sum(blks_hit) + sum(blks_read), 0)"
            " FROM pg_stat_database WHERE datname = current_database()"
        )
        ratio = cursor.fetchone()[0]
        health.cache_hit_ratio = None if ratio is None else round(ratio, 4)
        health.largest_tables = _dicts(
            cursor,
            "SELECT c.relname AS table, pg_total_relation_size(c.oid) AS bytes,"
            " pg_size_pretty(pg_total_relation_size(c.oid)) AS size,"
            " c.reltuples::bigint AS estimated_rows"
            " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'm')"
            " ORDER BY pg_total_relation_size(c.oid) DESC, c.relname LIMIT %s",
            [limit],
        )
        health.unused_indexes = _dicts(
            cursor,
            "SELECT s.relname AS table, s.indexrelname AS index,"
            " pg_size_pretty(pg_relation_size(s.indexrelid)) AS size"
            " FROM pg_stat_user_indexes s JOIN pg_index i ON i.indexrelid = s.indexrelid"
            " WHERE s.idx_scan = 0 AND NOT i.indisunique AND NOT i.indisprimary"
            " AND s.schemaname = current_schema()"
            " ORDER BY pg_relation_size(s.indexrelid) DESC, s.indexrelname LIMIT %s",
            [limit],
        )
        health.dead_tuples = _dicts(
            cursor,
            "SELECT relname AS table, n_dead_tup AS dead, n_live_tup AS live,"
            " last_autovacuum, last_vacuum FROM pg_stat_user_tables"
            " WHERE n_dead_tup > 0 AND schemaname = current_schema()"
            " ORDER BY n_dead_tup DESC, relname LIMIT %s",
            [limit],
        )
        health.long_transactions = _dicts(
            cursor,
            "SELECT pid, usename AS role, state,"
            " extract(epoch FROM now() - xact_start)::int AS seconds,"
            " left(query, 200) AS query FROM pg_stat_activity"
            " WHERE datname = current_database() AND xact_start IS NOT NULL"
            " AND now() - xact_start > make_interval(secs => %s)"
            " AND pid <> pg_backend_pid() ORDER BY xact_start LIMIT %s",
            [LONG_TRANSACTION_SECONDS, limit],
        )
        cursor.execute(
            "SELECT n.nspname FROM pg_extension e"
            " JOIN pg_namespace n ON n.oid = e.extnamespace"
            " WHERE e.extname = 'pg_stat_statements'"
        )
        installed = cursor.fetchone()
    if installed:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                health.slowest_statements = _statements(cursor, installed[0], limit)
            health.statements_available = True
        except DatabaseError:
            pass  # installed but not preloaded by the server: nothing to read
    return health


def _statements(cursor, schema: str, limit: int) -> list[dict]:
    """The statements that took the most time in all (pg_stat_statements, PostgreSQL ≥ 13)."""
    return _dicts(
        cursor,
        f"SELECT calls, round(total_exec_time::numeric, 1) AS total_ms,"  # noqa: S608 - the schema comes from the catalog
        f" round(mean_exec_time::numeric, 2) AS mean_ms, rows, left(query, 300) AS query"
        f' FROM "{schema}".pg_stat_statements'
        " WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())"
        " ORDER BY total_exec_time DESC LIMIT %s",
        [limit],
    )
