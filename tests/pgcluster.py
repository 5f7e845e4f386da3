"""Throwaway PostgreSQL clusters for the tests that need a server of their own (a restore
into a fresh cluster, point-in-time recovery): the server binaries, run as `postgres` when
the suite runs as root (PostgreSQL refuses root)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from pathlib import Path

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


def as_postgres(args: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


def give_to_postgres(*paths: Path, recursive: bool = False) -> None:
    """Let the server's user own these directories (when the suite runs as root)."""
    if os.geteuid() == 0:
        for path in paths:
            if recursive:
                run(["chown", "-R", "postgres", str(path)])
            else:
                shutil.chown(path, "postgres")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(args, capture_output=True, text=True, **kwargs)
    assert done.returncode == 0, f"{args[0]} exited {done.returncode}: {done.stderr}"
    return done


def pg_ctl(data: Path, action: str, *args: str) -> subprocess.CompletedProcess:
    return run(as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), *args, action]))


def initdb(data: Path, user: str) -> None:
    run(
        as_postgres(
            [str(PG_BIN / "initdb"), "-D", str(data), "-U", user, "--auth=trust"]
            + ["-E", "UTF8"]
        )
    )


def start(data: Path, port: int) -> None:
    options = (
        f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories=''"
    )
    pg_ctl(data, "start", "-o", options, "-w", "-l", str(data / "log"))


def stop(data: Path) -> None:
    subprocess.run(
        as_postgres(
            [str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]
        ),
        capture_output=True,
    )
