"""The apps depend one way (docs/architecture.md): the import contract in pyproject.toml holds,
lists every app, and fails on an upward import."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp
import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _layers_contract() -> dict:
    config = tomllib.loads(PYPROJECT.read_text())["tool"]["importlinter"]
    (contract,) = [c for c in config["contracts"] if c["id"] == "apps-layers"]
    return contract


def test_the_import_contract_is_kept():
    # the same check as `make lint`, on the project itself
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_the_contract_layers_every_app_in_the_order_of_local_apps():
    contract = _layers_contract()
    packages = {p.parent.name for p in (ROOT / "apps").glob("*/__init__.py")}
    assert contract["containers"] == ["apps"] and contract["exhaustive"] is True
    assert set(contract["layers"]) == packages
    # settings list the apps lowest first; the contract lists them highest first
    assert [f"apps.{app}" for app in reversed(contract["layers"])] == list(
        settings.LOCAL_APPS
    )
    assert {"apps.orders", "apps.payments"} <= set(settings.LOCAL_APPS)


def _scratch_project(tmp_path: Path) -> Path:
    """The real contract over empty stand-ins of every app (one module each)."""
    shutil.copy(PYPROJECT, tmp_path / "pyproject.toml")
    (tmp_path / "apps").mkdir()
    (tmp_path / "apps" / "__init__.py").touch()
    for layer in _layers_contract()["layers"]:
        (tmp_path / "apps" / layer).mkdir()
        (tmp_path / "apps" / layer / "__init__.py").touch()
        (tmp_path / "apps" / layer / "services.py").write_text("")
    return tmp_path


def _lint(project: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [LINT_IMPORTS, "--no-cache", "--config", "pyproject.toml"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_contract_passes_downward_imports_on_a_scratch_project(tmp_path):
    project = _scratch_project(tmp_path)
    (project / "apps/demo/services.py").write_text(
        "from apps.payments import services\n"
    )
    (project / "apps/payments/services.py").write_text(
        "from apps.orders import services\nfrom apps.auditing import services as kernel\n"
    )
    result = _lint(project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "source", "importer", "imported"),
    [
        # the kernel imports no domain app
        (
            "apps/auditing/services.py",
            "from apps.accounts import services\n",
            "apps.auditing.services",
            "apps.accounts.services",
        ),
        # a lower app imports a higher one, even inside a function
        (
            "apps/catalog/services.py",
            "def f():\n    from apps.inventory import services\n",
            "apps.catalog.services",
            "apps.inventory.services",
        ),
        # orders never imports payments (payments registers itself through a port)
        (
            "apps/orders/services.py",
            "import apps.payments.services\n",
            "apps.orders.services",
            "apps.payments.services",
        ),
        # no app imports the demo composition
        (
            "apps/payments/services.py",
            "from apps.demo import services\n",
            "apps.payments.services",
            "apps.demo.services",
        ),
    ],
)
def test_the_contract_fails_on_an_upward_import(
    tmp_path, module, source, importer, imported
):
    # given the real contract and one upward import
    project = _scratch_project(tmp_path)
    (project / module).write_text(source)
    # when import-linter checks it
    result = _lint(project)
    # then it fails and names the import
    assert result.returncode == 1, result.stdout + result.stderr
    assert "0 kept, 1 broken" in result.stdout
    assert f"{importer} -> {imported}" in result.stdout


def test_the_contract_fails_on_an_app_it_does_not_place(tmp_path):
    project = _scratch_project(tmp_path)
    (project / "apps/shipping").mkdir()
    (project / "apps/shipping/__init__.py").touch()
    result = _lint(project)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "apps.shipping" in result.stdout


PAGES = {"views", "urls", "forms", "admin"}
BELOW_THE_PAGES = {"models", "errors", "services", "selectors", "locks", "tasks"}


def _direct_imports():
    """(importer, imported) module names split into parts, for every import inside apps/."""
    graph = grimp.build_graph("apps", cache_dir=None)
    for importer in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            yield importer.split("."), imported.split(".")


def test_no_app_imports_the_pages_of_another_app():
    # An app uses another through its services, selectors and models, never its pages. The
    # kernel's toolkit for pages lives outside them (admin_mixins, web_errors, middleware),
    # so no exception is needed, the kernel included.
    offenders = [
        (".".join(source), ".".join(target))
        for source, target in _direct_imports()
        if len(source) > 1
        and len(target) > 2
        and source[1] != target[1]
        and target[2] in PAGES
    ]
    assert offenders == []


def test_inside_an_app_nothing_below_the_pages_imports_them():
    # models, errors, services, selectors, locks and tasks never import views, urls, forms or
    # admin; models never import services, selectors or tasks.
    offenders = [
        (".".join(source), ".".join(target))
        for source, target in _direct_imports()
        if len(source) > 2
        and len(target) > 2
        and source[1] == target[1]
        and source[2] in BELOW_THE_PAGES
        and (
            target[2] in PAGES
            or (
                source[2] == "models"
                and target[2] in {"services", "selectors", "tasks"}
            )
        )
    ]
    assert offenders == []
