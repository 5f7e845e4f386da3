"""Connecting to the shop's PostgreSQL server as one of its roles, from Python or from the
client programs (pg_dump, pg_restore): the server is DATABASE_URL's, the role's name and
password come from the settings (docs/security.md)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import environ
import psycopg
from django.conf import settings
from django.db import connection

from .errors import BackupError


def credentials(role: str) -> dict[str, str | None]:
    """{"user", "password"} of 'owner', 'application' or 'admin' (DATABASE_ADMIN_URL's)."""
    if role == "admin":
        if not settings.DATABASE_ADMIN_URL:
            raise BackupError("DATABASE_ADMIN_URL is not set")
        admin = environ.Env.db_url_config(settings.DATABASE_ADMIN_URL)
        return {"user": admin["USER"], "password": admin["PASSWORD"] or None}
    creds = {"owner": settings.DATABASE_OWNER, "application": settings.DATABASE_APP}[
        role
    ]
    return {"user": creds["USER"], "password": creds["PASSWORD"] or None}


def server() -> dict[str, str]:
    s = connection.settings_dict
    return {"host": s["HOST"] or "127.0.0.1", "port": str(s["PORT"] or 5432)}


def connect(role: str, dbname: str, **kwargs) -> psycopg.Connection:
    """A psycopg connection of its own, as `role`, to `dbname` on the shop's server."""
    return psycopg.connect(dbname=dbname, **server(), **credentials(role), **kwargs)


def program(name: str) -> str:
    """The path of a PostgreSQL client program: PG_BIN's, else the one on PATH."""
    candidate = Path(settings.PG_BIN) / name
    if os.access(candidate, os.X_OK):
        return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} not found in PG_BIN ({settings.PG_BIN}) nor on PATH:"
            " install the PostgreSQL client programs (postgresql-client-15)"
        )
    return found


def command(name: str, role: str, dbname: str, *args: str) -> tuple[list[str], dict]:
    """(argv, env) running client program `name` as `role` on `dbname`; never prompts."""
    creds, where = credentials(role), server()
    argv = [program(name), "-w", "-h", where["host"], "-p", where["port"]]
    argv += ["-U", creds["user"], "-d", dbname, *args]
    env = {**os.environ, "PGPASSWORD": creds["password"] or ""}
    return argv, env
