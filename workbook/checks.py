"""Run one exercise's tests from a notebook cell and say, in one friendly line, how it went.

``check("03a")`` runs ``tests/exercises/test_ex03a_*.py`` against the folder named by
``WORKBOOK_TARGET`` (``exercises`` for students, ``solutions`` under CI's nbval), in a
separate pytest process so a half-written exercise cannot break the notebook's kernel.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

from workbook import PROJECT_ROOT


@dataclass
class CheckResult:
    exercise: str
    passed: int
    total: int
    first_problem: str
    untouched: int = 0  # failures that stopped at the stub's NotImplementedError
    module: str = ""

    @property
    def ok(self) -> bool:
        return self.total > 0 and self.passed == self.total

    @property
    def not_started(self) -> bool:
        return self.passed == 0 and self.untouched == self.total > 0

    def __str__(self) -> str:
        if self.not_started:
            return (f"⏳ Exercise {self.exercise}: not started yet. Open "
                    f"exercises/{self.module}.py, read the docstring, write your code, then run "
                    "this cell again.")
        if self.ok:
            checks = "its 1 check passes" if self.total == 1 else f"all {self.total} checks pass"
            return f"✅ Exercise {self.exercise}: {checks}."
        return (f"❌ Exercise {self.exercise}: {self.passed} of {self.total} checks pass. "
                f"{self.first_problem}\n   Edit exercises/ and run this cell again "
                f"(or `make check EX={self.exercise}` in a terminal).")


def check(exercise: str, target: str | None = None) -> None:
    """Run the tests of ``exercise`` (like ``"03a"``) and print a one-line verdict."""
    print(run_check(exercise, target))


def run_check(exercise: str, target: str | None = None) -> CheckResult:
    """Run the tests of ``exercise`` in a separate pytest process and read its JUnit report."""
    target = target or os.environ.get("WORKBOOK_TARGET", "exercises")
    files = sorted((PROJECT_ROOT / "tests" / "exercises").glob(f"test_ex{exercise}_*.py"))
    if not files:
        raise ValueError(f"There is no exercise {exercise!r}; see the exercises/ folder.")
    with tempfile.TemporaryDirectory(prefix="workbook-check-") as scratch:
        report = Path(scratch) / "report.xml"
        subprocess.run(
            [sys.executable, "-m", "pytest", *map(str, files), f"--target={target}", "-q",
             "-p", "no:cacheprovider", f"--junitxml={report}"],
            capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=600,
        )
        cases = ElementTree.parse(report).getroot().iter("testcase") if report.exists() else []
        problems = []
        passed = total = 0
        for case in cases:
            total += 1
            failure = case.find("failure")
            if failure is None:
                failure = case.find("error")
            if failure is None:
                passed += case.find("skipped") is None
                continue
            message = (failure.get("message") or "").strip()
            problems.append(message.splitlines()[0][:200] if message else "")
    untouched = sum(1 for problem in problems if problem.startswith("not implemented yet"))
    first = next((p for p in problems if not p.startswith("not implemented yet")),
                 problems[0] if problems else "")
    module = files[0].stem.removeprefix("test_")
    return CheckResult(exercise, passed, total, first, untouched, module)
