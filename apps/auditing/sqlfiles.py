"""The kernel's SQL files, for migrations: a whole file, or one function out of one.

A later migration's reverse puts back the function an earlier file defined, read from that
file, so each version of a function is written once.
"""

from __future__ import annotations

from pathlib import Path

SQL = Path(__file__).resolve().parent / "sql"


def sql_file(name: str) -> str:
    """The text of `sql/<name>`."""
    return (SQL / name).read_text()


def sql_function(name: str, function: str) -> str:
    """The `CREATE [OR REPLACE] FUNCTION <function>() ... END $$;` of `sql/<name>`, as a
    CREATE OR REPLACE."""
    text = sql_file(name)
    for opening in (
        f"CREATE FUNCTION {function}(",
        f"CREATE OR REPLACE FUNCTION {function}(",
    ):
        start = text.find(opening)
        if start >= 0:
            end = text.index("END $$;", start) + len("END $$;")
            body = text[start:end]
            return body.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)
    raise LookupError(f"{function}() is not defined in sql/{name}")
