""".env.example lists every setting the project reads from the environment."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
READ = re.compile(r"env(?:\.\w+)?\(\s*[\"']([A-Z][A-Z0-9_]+)[\"']")


def _read_by_the_project() -> set[str]:
    sources = [*ROOT.glob("config/**/*.py"), *ROOT.glob("apps/**/*.py")]
    return {name for path in sources for name in READ.findall(path.read_text())}


def test_every_variable_the_settings_read_is_in_env_example():
    listed = set(
        re.findall(r"^# ([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M)
    )
    read = _read_by_the_project()
    assert len(read) > 50
    assert sorted(read - listed) == []
