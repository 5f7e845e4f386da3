"""What a backup promises about its database, and the check that a restore kept it.

The facts are generic, so a new table is covered without naming it here: the row count of
every table, the sum of every exact-number column of every table (integers and numerics:
keys, quantities, the inventory ledger, the payments ledger and payments' amounts among
them), every trigger with its enabled state, and every function. Floating-point columns are
left out: their sum depends on the order rows are added in. Each table is read once
(one sequential scan, `count(*)` and every sum together), which costs about what `pg_dump`
itself reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from psycopg import sql

EXACT_TYPES = "'int2'::regtype, 'int4'::regtype, 'int8'::regtype, 'numeric'::regtype"

# Ordinary tables and partitions of the shop's schema; a partitioned parent holds no rows
# of its own (its partitions are counted), an extension's tables are the extension's.
TABLES = f"""
SELECT c.relname,
       coalesce(array_agg(a.attname::text ORDER BY a.attnum)
                FILTER (WHERE coalesce(nullif(t.typbasetype, 0), t.oid) IN ({EXACT_TYPES})),
                '{{}}')
FROM pg_class c
LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_type t ON t.oid = a.atttypid
WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
  AND c.oid NOT IN (SELECT objid FROM pg_depend WHERE deptype = 'e')
GROUP BY c.relname
ORDER BY c.relname
"""
TRIGGERS = """
SELECT c.relname || '.' || t.tgname, t.tgenabled::text
FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
WHERE NOT t.tgisinternal AND c.relnamespace = 'public'::regnamespace
ORDER BY 1
"""
FUNCTIONS = """
SELECT p.oid::regprocedure::text FROM pg_proc p
WHERE p.pronamespace = 'public'::regnamespace ORDER BY 1
"""


@dataclass
class DatabaseFacts:
    # {table: {"rows": n, "sums": {column: "exact sum as text" or None when no rows}}}
    tables: dict[str, dict] = field(default_factory=dict)
    # {"table.trigger": pg_trigger.tgenabled}: "O" fires, "D" is switched off
    triggers: dict[str, str] = field(default_factory=dict)
    functions: list[str] = field(default_factory=list)


def database_facts(conn) -> DatabaseFacts:
    """Read the facts of the database `conn` (a psycopg connection) is on."""
    facts = DatabaseFacts()
    for table, columns in conn.execute(TABLES).fetchall():
        sums = [
            sql.SQL("sum({})::text").format(sql.Identifier(column))
            for column in columns
        ]
        query = sql.SQL("SELECT {} FROM {}").format(
            sql.SQL(", ").join([sql.SQL("count(*)"), *sums]),
            sql.Identifier("public", table),
        )
        rows, *totals = conn.execute(query).fetchone()
        facts.tables[table] = {
            "rows": rows,
            "sums": dict(zip(columns, totals, strict=True)),
        }
    facts.triggers = dict(conn.execute(TRIGGERS).fetchall())
    facts.functions = [name for (name,) in conn.execute(FUNCTIONS).fetchall()]
    return facts


@dataclass
class Check:
    ok: bool
    text: str


def _missing_or_extra(kind: str, backup, restored) -> list[Check]:
    checks = [
        Check(False, f"{kind} {name}: missing") for name in sorted(backup - restored)
    ]
    checks += [
        Check(False, f"{kind} {name}: not in the backup")
        for name in sorted(restored - backup)
    ]
    return checks


def _table_checks(backup: dict, restored: dict) -> list[Check]:
    checks = _missing_or_extra("table", set(backup), set(restored))
    rows = sums = 0
    for table in sorted(set(backup) & set(restored)):
        want, got = backup[table], restored[table]
        if want["rows"] != got["rows"]:
            checks.append(
                Check(
                    False,
                    f"rows of {table}: {want['rows']} in the backup,"
                    f" {got['rows']} restored",
                )
            )
        rows += got["rows"]
        for column in sorted(set(want["sums"]) | set(got["sums"])):
            expected, actual = want["sums"].get(column), got["sums"].get(column)
            if expected != actual:
                checks.append(
                    Check(
                        False,
                        f"sum of {table}.{column}: {expected} in the backup,"
                        f" {actual} restored",
                    )
                )
            sums += 1
    if all(c.ok for c in checks):
        checks.append(
            Check(True, f"rows: {len(backup)} tables, {rows} rows, as in the backup")
        )
        checks.append(Check(True, f"sums: {sums} columns equal to the backup's"))
    return checks


def facts_compare(backup: DatabaseFacts, restored: DatabaseFacts) -> list[Check]:
    """Each difference between a backup's facts and a restored database's, or what held."""
    checks = _table_checks(backup.tables, restored.tables)
    trigger_checks = _missing_or_extra(
        "trigger", set(backup.triggers), set(restored.triggers)
    )
    for name in sorted(set(backup.triggers) & set(restored.triggers)):
        if backup.triggers[name] != restored.triggers[name]:
            trigger_checks.append(
                Check(
                    False,
                    f"trigger {name}: enabled {restored.triggers[name]!r},"
                    f" {backup.triggers[name]!r} in the backup",
                )
            )
    if not trigger_checks:
        enabled = sum(1 for state in restored.triggers.values() if state != "D")
        trigger_checks.append(
            Check(
                True,
                f"triggers: {len(restored.triggers)} present ({enabled} enabled),"
                " as in the backup",
            )
        )
    function_checks = _missing_or_extra(
        "function", set(backup.functions), set(restored.functions)
    )
    if not function_checks:
        function_checks.append(
            Check(
                True, f"functions: {len(restored.functions)} present, as in the backup"
            )
        )
    return checks + trigger_checks + function_checks
