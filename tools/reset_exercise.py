"""Put back one exercise's untouched stub (``make reset EX=03a``), keeping the student's copy.

The stub comes from solutions/ through tools/make_exercises.py's own generator, so a reset
file is exactly what ``make exercises`` writes. The student's version stays beside it as
``exercises/ex03a_enqueue.py.bak-<timestamp>``: not a ``.py`` file, so neither ruff, pytest
nor ``make_exercises.py --check`` (which reads ``ex*.py``) ever looks at it.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_exercises import EXERCISES, SOLUTIONS, generate  # noqa: E402


def reset(exercise: str) -> str:
    """Restore exercise ``exercise`` (like ``"03a"``); return one line saying what happened."""
    (solution,) = SOLUTIONS.glob(f"ex{exercise}_*.py")
    stub, _ = generate(solution.read_text(), solution.name)
    target = EXERCISES / solution.name
    if target.exists() and target.read_text() == stub:
        return f"exercises/{target.name} is already the untouched stub: nothing to reset."
    kept = ""
    if target.exists():
        stamp = time.strftime("%Y%m%d-%H%M%S")
        backup = target.with_name(f"{target.name}.bak-{stamp}")
        for n in range(2, 100):  # two resets within a second keep both versions
            if not backup.exists():
                break
            backup = target.with_name(f"{target.name}.bak-{stamp}-{n}")
        target.rename(backup)
        kept = f"; your version is kept as exercises/{backup.name}"
    target.write_text(stub)
    return f"exercises/{target.name} is the untouched stub again{kept}."


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: tools/reset_exercise.py 03a")
    print(reset(sys.argv[1]))
