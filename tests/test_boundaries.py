"""Source checks: the admin writes only through services; no code reads a database error's
text to decide what went wrong (constraint names do that, `apps.auditing.dberrors`)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WRITES = {
    "save",
    "update",
    "delete",
    "create",
    "bulk_create",
    "bulk_update",
    "get_or_create",
    "update_or_create",
    "save_m2m",
    # soft delete and restore, many-to-many writers
    "soft_delete",
    "restore",
    "set",
    "add",
    "remove",
    "clear",
}
# The kernel's defaults: a soft-deletable row without an app service is soft-deleted and
# restored by the kernel's own write API (SoftDeleteModel), nothing else.
KERNEL_DEFAULTS = {
    ("apps/auditing/admin_mixins.py", "soft_delete"),
    ("apps/auditing/admin_mixins.py", "restore"),
}


def _admin_modules() -> list[Path]:
    found = [*ROOT.glob("apps/*/admin*.py"), *ROOT.glob("apps/*/admin/*.py")]
    assert len(found) >= 9
    return sorted(found)


def _direct_writes(tree: ast.AST, path: str = "") -> list[int]:
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in WRITES
        and (path, node.func.attr) not in KERNEL_DEFAULTS
    ]


def test_no_admin_module_writes_a_model_itself():
    offenders = {
        str(path.relative_to(ROOT)): lines
        for path in _admin_modules()
        if (
            lines := _direct_writes(
                ast.parse(path.read_text()), str(path.relative_to(ROOT))
            )
        )
    }
    assert offenders == {}


def test_the_admin_scan_finds_a_direct_write():
    sample = "def save_model(self, request, obj, form, change):\n    obj.save()\n"
    assert _direct_writes(ast.parse(sample)) == [2]
    restore = "def restore_object(self, request, obj):\n    obj.restore()\n"
    assert _direct_writes(ast.parse(restore), "apps/catalog/admin/variants.py") == [2]


def _reads_error_text(handler: ast.ExceptHandler) -> list[int]:
    """Lines where the handled exception's text is compared, searched or parsed."""
    name = handler.name
    if name is None:
        return []

    def is_text(node: ast.AST, tainted: set[str]) -> bool:
        for sub in ast.walk(node):
            if (
                isinstance(sub, ast.Call)
                and isinstance(sub.func, ast.Name)
                and sub.func.id in {"str", "repr"}
                and any(isinstance(a, ast.Name) and a.id == name for a in sub.args)
            ):
                return True
            if isinstance(sub, ast.Attribute) and (
                isinstance(sub.value, ast.Name)
                and sub.value.id == name
                and sub.attr in {"args", "pgerror", "message_primary"}
            ):
                return True
            if isinstance(sub, ast.Name) and sub.id in tainted:
                return True
        return False

    tainted: set[str] = set()
    lines = []
    for node in ast.walk(ast.Module(body=handler.body, type_ignores=[])):
        if isinstance(node, ast.Assign) and is_text(node.value, tainted):
            tainted |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        elif isinstance(node, ast.Compare) and is_text(node, tainted):
            lines.append(node.lineno)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in {"startswith", "endswith", "find", "search", "match"}
            and is_text(node, tainted)
        ):
            lines.append(node.lineno)
    return lines


def _text_matches(source: str) -> list[int]:
    return [
        line
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.ExceptHandler)
        for line in _reads_error_text(node)
    ]


def test_no_code_of_the_shop_decides_by_an_errors_text():
    modules = [
        path for path in ROOT.glob("apps/**/*.py") if "migrations" not in path.parts
    ]
    assert len(modules) >= 50
    offenders = {
        str(path.relative_to(ROOT)): lines
        for path in modules
        if (lines := _text_matches(path.read_text()))
    }
    assert offenders == {}


def test_the_text_scan_finds_message_matching():
    direct = (
        "try:\n    f()\nexcept IntegrityError as exc:\n"
        "    if 'catalog_review_one_per_customer' in str(exc):\n        raise X\n"
    )
    through_a_name = (
        "try:\n    f()\nexcept IntegrityError as exc:\n    message = str(exc)\n"
        "    if 'on_hand' in message:\n        raise X\n"
    )
    assert _text_matches(direct) == [4]
    assert _text_matches(through_a_name) == [5]
