"""The architecture docs name paths and functions that exist."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "docs" / "architecture.md", ROOT / "docs" / "new-app.md"]
# What docs/architecture.md calls the kernel's toolkit, by module.
TOOLKIT = {
    "apps.auditing.triggers": [
        "audited",
        "append_only",
        "never_deleted",
        "soft_delete_trigger",
    ],
    "apps.auditing.softdelete": ["SoftDeleteModel", "alive_unique"],
    "apps.auditing.jobs": ["maintenance_job", "job_execute", "load_all_jobs"],
    "apps.auditing.tasks_base": ["AuditedTask"],
    "apps.auditing.commands": ["AuditedCommand"],
    "apps.auditing.context": ["audit_context", "current"],
    "apps.auditing.middleware": ["AuditContextMiddleware"],
    "apps.auditing.history": ["track_history"],
    "apps.auditing.admin_mixins": [
        "ShopErrorAdminMixin",
        "ServiceAdminMixin",
        "ReadOnlyAdminMixin",
        "SoftDeleteAdminMixin",
        "inline_save",
    ],
    "apps.auditing.dberrors": ["constraint_errors"],
    "apps.auditing.web_errors": ["ShopErrorMiddleware", "errors_on_form"],
    "apps.auditing.logs": ["ClientErrorFilter"],
    "apps.auditing.mail": ["DevMailBackend"],
    "apps.auditing.selectors": [
        "audit_row_history",
        "audit_person_trail",
        "audit_backlog",
    ],
    "apps.auditing.vocabulary": ["Source", "ActorKind", "Action"],
    "apps.auditing.services": ["audit_record", "audit_redact"],
    "apps.auditing.errors": ["ShopError"],
    "apps.accounts.gdpr": [
        "register_exporter",
        "register_eraser",
        "account_export",
        "account_erase",
    ],
}
# Paths of the app still to be written, named in the checklist for it.
PLANNED = re.compile(r"^(apps|tests)/(orders|payments)/|/(test_)?orders\.py$")


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_path_the_doc_names_exists(doc):
    paths = set(re.findall(r"`((?:apps|config|tests)/[\w./{},-]+)`", doc.read_text()))
    missing = [
        path
        for path in sorted(paths)
        if "{" not in path
        and not PLANNED.search(path)
        and not (ROOT / path.split(" ")[0]).exists()
    ]
    assert missing == []


@pytest.mark.parametrize("module", sorted(TOOLKIT))
def test_the_toolkit_is_where_the_architecture_doc_says(module):
    text = DOCS[0].read_text()
    assert f"`{module.replace('.', '/')}.py`" in text
    imported = importlib.import_module(module)
    for name in TOOLKIT[module]:
        assert hasattr(imported, name), f"{module}.{name}"
        assert re.search(rf"`[^`]*\b{name}\b[^`]*`", text), name
