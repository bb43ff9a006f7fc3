"""Generate exercises/ from solutions/, or check that they agree (``--check``).

solutions/ is the single source. In a solution module, each block between nbgrader's
markers is replaced by a stub that raises ``NotImplementedError`` saying "not started"::

    ### HINT: LPUSH adds at the left and returns the new length.
    ### BEGIN SOLUTION
    return conn.lpush(queue, json.dumps(payload))
    ### END SOLUTION

becomes ``raise NotImplementedError("Exercise 01a, push_job: not started. Read the docstring,
then hint('01a') if you need the API.")``. The ``### HINT:`` lines (one or more, right before
the block) are the second-level hint: they stay in solutions/ and ``hint("01a")`` (or
``make hint EX=01a``) prints them on request, never unasked.

``--check`` fails on drift (an exercise that differs from what would be generated), on
unbalanced markers, on an exercise without a solution, and on solution text left in exercises/.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from workbook.checks import HINT  # the marker hint() reads: spelled once

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS, EXERCISES = ROOT / "solutions", ROOT / "exercises"
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
_DEF = re.compile(r"^\s*def (\w+)\(")
_EXERCISE_ID = re.compile(r"^ex(\d\d[a-z])_")
HEADER = (
    "# Generated from solutions/{name} by tools/make_exercises.py: edit the solution, then\n"
    "# run `make exercises`. Your work goes where NotImplementedError is raised.\n"
)


class MarkerError(ValueError):
    """Unbalanced or misplaced solution markers."""


def generate(source: str, name: str) -> tuple[str, list[str]]:
    """Return the exercise text for a solution file and the solution lines it removed."""
    match = _EXERCISE_ID.match(name)
    if not match:
        raise MarkerError(f"{name}: solution files are named exNNx_topic.py")
    exercise_id = match.group(1)
    out, removed, hint, function = [HEADER.format(name=name)], [], None, "?"
    in_block = False
    for number, line in enumerate(source.splitlines(keepends=True), 1):
        stripped = line.strip()
        if not in_block and (m := _DEF.match(line)):
            function = m.group(1)
        if stripped.startswith(HINT):
            if in_block:
                raise MarkerError(f"{name}:{number}: {HINT} inside a solution block")
            # Consecutive HINT lines are one hint; it stays in solutions/, read by hint().
            hint = f"{hint or ''} {stripped[len(HINT):].strip()}".strip()
            continue
        if stripped == BEGIN:
            if in_block:
                raise MarkerError(f"{name}:{number}: {BEGIN} inside a solution block")
            if not hint:
                raise MarkerError(f"{name}:{number}: a solution block needs a {HINT} line first")
            indent = line[: len(line) - len(line.lstrip())]
            message = (f"Exercise {exercise_id}, {function}: not started. Read the docstring, "
                       f"then hint({exercise_id!r}) if you need the API.")
            out.append(f"{indent}raise NotImplementedError({message!r})\n")
            in_block, hint = True, None
            continue
        if stripped == END:
            if not in_block:
                raise MarkerError(f"{name}:{number}: {END} without {BEGIN}")
            in_block = False
            continue
        if stripped.startswith("###"):
            raise MarkerError(f"{name}:{number}: unknown marker {stripped!r}")
        if in_block:
            removed.append(stripped)
        else:
            if hint:
                raise MarkerError(f"{name}:{number}: {HINT} not followed by {BEGIN}")
            out.append(line)
    if in_block:
        raise MarkerError(f"{name}: {BEGIN} never closed")
    if not removed:
        raise MarkerError(f"{name}: no solution block, so there is nothing to practise")
    return "".join(out), removed


def solution_files() -> list[Path]:
    return sorted(p for p in SOLUTIONS.glob("ex*.py"))


def build() -> dict[str, tuple[str, list[str]]]:
    return {p.name: generate(p.read_text(), p.name) for p in solution_files()}


def check() -> list[str]:
    """Every way exercises/ and solutions/ disagree, as readable lines."""
    problems = []
    try:
        expected = build()
    except MarkerError as exc:
        return [str(exc)]
    for name, (text, removed) in expected.items():
        path = EXERCISES / name
        if not path.exists():
            problems.append(f"exercises/{name} is missing: run `make exercises`")
            continue
        actual = path.read_text()
        if actual != text:
            problems.append(f"exercises/{name} has drifted from solutions/{name}: "
                            "run `make exercises`")
        # A whole solution line in the exercise that the solution has only inside a block.
        outside = set((SOLUTIONS / name).read_text().splitlines()) - set(removed)
        exercise_lines = {line.strip() for line in actual.splitlines()}
        leaked = [line for line in removed
                  if len(line) > 12 and line in exercise_lines and line not in
                  {o.strip() for o in outside}]
        if leaked:
            problems.append(f"exercises/{name} contains solution text: {leaked[0]!r}")
        if BEGIN in actual or END in actual:
            problems.append(f"exercises/{name} still has solution markers")
    for path in sorted(EXERCISES.glob("ex*.py")):
        if path.name not in expected:
            problems.append(f"exercises/{path.name} has no solutions/{path.name}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if exercises/ is stale")
    args = parser.parse_args(argv)
    if args.check:
        problems = check()
        for problem in problems:
            print(f"✗ {problem}", file=sys.stderr)
        if problems:
            return 1
        print(f"✓ exercises/ is in sync with solutions/ ({len(solution_files())} exercises)")
        return 0
    EXERCISES.mkdir(exist_ok=True)
    for name, (text, _) in build().items():
        (EXERCISES / name).write_text(text)
    print(f"wrote {len(solution_files())} exercises to exercises/")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
