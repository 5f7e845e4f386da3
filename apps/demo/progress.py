"""Progress output shared by the demo steps: one redrawn line per stage on a terminal.

Written to a file or a pipe (a log, CI), there is no redrawing: a whole line each time the
stage passes another tenth, so the log holds a few readable lines and no carriage returns.
"""

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
    bar = f"{label:<10} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}"
    if stdout.isatty():
        stdout.write(f"\r{bar}", ending="")
        if done >= total:
            stdout.write("")
    else:
        tenth = 10 * done // total if total else 10
        shown = getattr(stdout, "_progress_shown", {})
        if shown.get(label) != tenth:
            shown[label] = tenth
            stdout._progress_shown = shown
            stdout.write(bar)
    stdout.flush()
