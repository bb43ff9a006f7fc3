"""Run one exercise's tests from a notebook cell and say, in one friendly line, how it went.

``check("03a")`` runs ``tests/exercises/test_ex03a_*.py`` against the folder named by
``WORKBOOK_TARGET`` (``exercises`` for students, ``solutions`` under CI's nbval), in a
separate pytest process so a half-written exercise cannot break the notebook's kernel.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass

from workbook import PROJECT_ROOT


@dataclass
class CheckResult:
    exercise: str
    passed: int
    total: int
    first_problem: str

    @property
    def ok(self) -> bool:
        return self.total > 0 and self.passed == self.total

    def __str__(self) -> str:
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
    """Run the tests of ``exercise`` and return how many passed."""
    target = target or os.environ.get("WORKBOOK_TARGET", "exercises")
    files = sorted((PROJECT_ROOT / "tests" / "exercises").glob(f"test_ex{exercise}_*.py"))
    if not files:
        raise ValueError(f"There is no exercise {exercise!r}; see the exercises/ folder.")
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", *map(str, files), f"--target={target}", "-q",
         "--no-header", "-p", "no:cacheprovider", "--tb=line", "-rf"],
        capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=600,
    )
    summary = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
    counts = {kind: int(n) for n, kind in re.findall(r"(\d+) (passed|failed|error)", summary)}
    passed = counts.get("passed", 0)
    total = passed + counts.get("failed", 0) + counts.get("error", 0)
    problem = ""
    for line in proc.stdout.splitlines():
        if "not implemented yet" in line:
            problem = "Not implemented yet: " + line.split("not implemented yet:", 1)[1].strip()
            break
        if line.startswith("E ") or "Error" in line:
            problem = line.strip()[:200]
            break
    return CheckResult(exercise, passed, total, problem)
