"""The two rooms: the app a student reads, and the workbook machinery that imports it."""

from __future__ import annotations

import ast
import json
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import mailer_app
import workbook
from mailer_app.config import DEFAULTS

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("mailer_app", "workbook")


def _modules(package) -> list[str]:
    return [f"{package.__name__}.{m.name}" for m in pkgutil.iter_modules(package.__path__)]


def test_importing_the_app_loads_none_of_the_machinery():
    names = ["mailer_app", *_modules(mailer_app)]
    code = (f"import importlib, json, sys\nfor n in {names!r}: importlib.import_module(n)\n"
            "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] == 'workbook')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout
    assert json.loads(out) == [], "mailer_app must never import the workbook package"


def _project_imports(path: Path, module: str) -> set[str]:
    """The project modules ``module`` imports (at any depth in the file)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return {name for name in found if name.split(".")[0] in PACKAGES and name != module}


def _graph() -> dict[str, set[str]]:
    files = {}
    for package in PACKAGES:
        for path in (ROOT / package).glob("*.py"):
            name = package if path.stem == "__init__" else f"{package}.{path.stem}"
            files[name] = path
    return {name: _project_imports(path, name) & set(files) for name, path in files.items()}


def test_no_import_cycles_among_the_project_modules():
    graph = _graph()
    state: dict[str, str] = {}

    def visit(node, trail):
        state[node] = "open"
        for nxt in sorted(graph[node]):
            if nxt == "mailer_app" or nxt == "workbook":
                continue  # the package __init__ is loaded first anyway; its own imports count
            if state.get(nxt) == "open":
                raise AssertionError("import cycle: " + " -> ".join([*trail, node, nxt]))
            if nxt not in state:
                visit(nxt, [*trail, node])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [])


def test_the_app_never_names_the_machinery_package():
    graph = _graph()
    offenders = {m: sorted(i for i in imports if i.startswith("workbook"))
                 for m, imports in graph.items() if m.startswith("mailer_app")}
    assert {m: i for m, i in offenders.items() if i} == {}


def test_no_module_is_over_300_lines():
    long = {str(p.relative_to(ROOT)): n for package in PACKAGES
            for p in (ROOT / package).glob("*.py")
            if (n := len(p.read_text().splitlines())) > 300}
    assert long == {}


def test_the_readme_lists_every_setting_and_no_other():
    readme = (ROOT / "README.md").read_text()
    table = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    named = set()
    for row in table.splitlines():
        if row.startswith("| `"):
            named |= set(re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split("|")[1]))
    workbook_only = {"WORKBOOK_MAIL_DELAY", "WORKBOOK_TARGET"}
    assert named - workbook_only == set(DEFAULTS)
    assert workbook_only <= named


def test_workbook_package_docstring_states_the_direction():
    assert "never imports this package" in workbook.__doc__
