"""The exercise tests have teeth: deliberately wrong solutions (mutants) fail them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
MUTANTS = sorted(p for p in (HERE / "mutants").iterdir() if p.is_dir())


def test_there_are_mutants():
    assert len(MUTANTS) >= 5


@pytest.mark.parametrize("mutant", MUTANTS, ids=[p.name for p in MUTANTS])
def test_mutant_is_caught(mutant, redis_url):
    [module] = mutant.glob("ex*.py")
    test_file = HERE / "exercises" / f"test_{module.name}"
    result = subprocess.run(
        [sys.executable, "-m", "pytest", str(test_file), f"--target={mutant}", "-q",
         "-p", "no:cacheprovider", "--no-header"],
        capture_output=True, text=True, cwd=HERE.parent, timeout=300,
    )
    assert result.returncode == 1, f"the mutant {mutant.name} survived:\n{result.stdout[-2000:]}"
    assert " failed" in result.stdout.splitlines()[-1]
