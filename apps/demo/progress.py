"""Progress output shared by the demo steps: one redrawn line per stage."""

from __future__ import annotations

from typing import IO

from django.core.management.base import OutputWrapper


def output(stdout: IO[str] | OutputWrapper) -> OutputWrapper:
    """A command's stdout, so that `progress` can redraw one line."""
    return stdout if isinstance(stdout, OutputWrapper) else OutputWrapper(stdout)


def progress(
    stdout: OutputWrapper, label: str, done: int, total: int, width: int = 30
) -> None:
    """Redraw a one-line progress bar; the last step ends the line."""
    filled = width * done // total if total else width
    stdout.write(
        f"\r{label:<10} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}",
        ending="",
    )
    if done >= total:
        stdout.write("")
    stdout.flush()
