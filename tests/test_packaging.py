"""pip (pyproject.toml) and conda (environment.yml) routes install the same things."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0].strip().lower().replace("_", "-")


def _spec(requirement: str) -> str:
    return requirement.split(";")[0].replace(" ", "").lower()


PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
EXTRAS = PROJECT["optional-dependencies"]


def _everything() -> dict[str, str]:
    """The app's dependencies and every extra's, by name."""
    reqs = list(PROJECT["dependencies"])
    for role, extra in EXTRAS.items():
        if role != "all":
            reqs += extra
    return {_name(r): _spec(r) for r in reqs}


def test_environment_yml_and_pyproject_name_the_same_dependencies():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_part = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "-e .[all]" in pip_part, "environment.yml must install this package, every extra"
    from_conda = {_name(r): _spec(r) for r in pip_part if not r.startswith("-")}
    assert from_conda == _everything()


def test_the_app_needs_only_its_runtime_and_all_names_every_extra():
    runtime = {_name(r) for r in PROJECT["dependencies"]}
    assert runtime == {"flask", "rq", "redis", "rq-dashboard", "six"}
    roles = set(EXTRAS) - {"all"}
    assert roles == {"workbook", "test", "browser", "bench", "lint"}
    (everything,) = EXTRAS["all"]
    assert everything.startswith(f"{PROJECT['name']}[")
    assert set(everything.split("[", 1)[1].rstrip("]").split(",")) == roles


def test_make_installs_every_extra():
    makefile = (ROOT / "Makefile").read_text()
    assert "pip install --quiet -e '.[all]'" in makefile


def test_conda_brings_python_and_redis_server():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    names = {_name(d) for d in env["dependencies"] if isinstance(d, str)}
    assert {"python", "redis-server", "pip"} <= names
    assert "conda-forge" in env["channels"]


def test_python_and_stack_versions_are_pinned_as_the_card_says():
    deps = _everything()
    assert PROJECT["requires-python"] == ">=3.11"
    assert deps["rq"] == "rq>=3.0,<4" and deps["redis"] == "redis>=8.0,<9"
    for required in ("jupyterlab", "redis", "rq", "nbval", "ipywidgets", "pytest", "six"):
        assert required in deps


def test_binder_environment_matches_but_for_the_editable_install():
    root = yaml.safe_load((ROOT / "environment.yml").read_text())
    binder = yaml.safe_load((ROOT / ".binder" / "environment.yml").read_text())
    strip = [d for d in root["dependencies"] if not isinstance(d, dict)]
    pip_root = next(d["pip"] for d in root["dependencies"] if isinstance(d, dict))
    pip_binder = next(d["pip"] for d in binder["dependencies"] if isinstance(d, dict))
    assert [d for d in binder["dependencies"] if not isinstance(d, dict)] == strip
    assert pip_binder == [r for r in pip_root if r != "-e .[all]"]
    assert "pip install --no-deps -e ." in (ROOT / ".binder" / "postBuild").read_text()
