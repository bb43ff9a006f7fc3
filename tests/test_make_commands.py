"""`make check/hint/reset EX=...`: EX is checked against the exercise list, reset keeps a backup."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [pytest.mark.tool("make"), pytest.mark.skipif(
    shutil.which("make") is None,
    reason="make is missing: install it with your system's packages (apt-get install make)")]


@pytest.fixture
def workbook_copy(tmp_path):
    """The Makefile, solutions/, exercises/ and tools/ in a throwaway folder, set up already."""
    for name in ("Makefile", "pyproject.toml", "constraints.txt"):
        shutil.copy2(ROOT / name, tmp_path / name)
    for folder in ("solutions", "exercises", "tools"):
        shutil.copytree(ROOT / folder, tmp_path / folder,
                        ignore=shutil.ignore_patterns("__pycache__", "*.bak-*"))
    # A stamp newer than pyproject.toml and the lock: make sees nothing to install.
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / ".installed").write_text("")
    return tmp_path


def make(folder: Path, *args: str) -> subprocess.CompletedProcess:
    # PY= this interpreter; PYTHON=false so that, were setup ever to run, it fails at once
    # instead of installing the copy into this environment. Run as a student types it: under
    # `make test` the tests inherit make's own MAKELEVEL and MAKEFLAGS (a jobserver, -j2), and
    # the inner make would then sign its messages make[3] instead of make.
    env = {k: v for k, v in os.environ.items()
           if k not in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS", "MAKEOVERRIDES")}
    return subprocess.run(["make", "--no-print-directory", "PYTHON=false",
                           f"PY={sys.executable}", *args], cwd=folder, capture_output=True,
                          text=True, timeout=120, check=False, env=env)


@pytest.mark.parametrize("target", ["check", "hint", "reset"])
@pytest.mark.parametrize("ex", ['x"); import os; os.system("touch pwned") #', "03", "%", "",
                                "01a 01b", "$(shell touch pwned)"])
def test_an_unknown_exercise_gets_one_sentence_and_runs_nothing(workbook_copy, target, ex):
    result = make(workbook_copy, target, f"EX={ex}")
    assert result.returncode != 0
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("EX=") and "is not an exercise of this workbook" in lines[0]
    assert "make check EX=03a" in lines[0] and "01a" in lines[0]
    # make's own "Error 2" footer aside, nothing else was printed and nothing ran.
    assert all(line.startswith("make: ***") for line in lines[1:]), result.stderr
    assert not (workbook_copy / "pwned").exists()
    assert list((workbook_copy / ".venv").iterdir()) == [workbook_copy / ".venv" / ".installed"]


def test_reset_restores_the_stub_and_keeps_the_students_version(workbook_copy):
    exercise = next((workbook_copy / "exercises").glob("ex03a_*.py"))
    stub = exercise.read_text()
    exercise.write_text(stub + "\n# my attempt\n")
    result = make(workbook_copy, "reset", "EX=03a")
    assert result.returncode == 0, result.stderr
    assert exercise.read_text() == stub
    (backup,) = exercise.parent.glob(f"{exercise.name}.bak-*")
    assert backup.read_text().endswith("# my attempt\n")
    assert f"kept as exercises/{backup.name}" in result.stdout
    # The backup is not a .py file: the drift check and ruff leave it alone.
    check = subprocess.run([sys.executable, "tools/make_exercises.py", "--check"],
                           cwd=workbook_copy, capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stderr
    ruff = Path(sys.executable).with_name("ruff")
    if ruff.exists():
        linted = subprocess.run([str(ruff), "check", "--isolated", "exercises"],
                                cwd=workbook_copy, capture_output=True, text=True, check=False)
        assert backup.name not in linted.stdout


def test_reset_of_an_untouched_stub_changes_nothing(workbook_copy):
    result = make(workbook_copy, "reset", "EX=01a")
    assert result.returncode == 0, result.stderr
    assert "already the untouched stub" in result.stdout
    assert not list((workbook_copy / "exercises").glob("*.bak-*"))
