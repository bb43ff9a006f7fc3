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

Your-turn cells come from the same place: ``solutions/turns_NN.py`` holds the solutions of
notebook NN's in-notebook practice (see ``workbook.your_turn``). Each becomes the source of the
notebook's code cell tagged ``your-turn:<function>``, written here and compared by ``--check``,
which also wants the cell right after it to be the check cell, ``your_turn("NN", <function>...)``
tagged ``nbval-ignore-output``.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat

from workbook.checks import HINT  # the marker hint() reads: spelled once
from workbook.your_turn import BEGIN, END, TAG, TURN_FILE, TurnError, turn_cells

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS, EXERCISES, NOTEBOOKS = ROOT / "solutions", ROOT / "exercises", ROOT / "notebooks"
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


def turn_files() -> list[Path]:
    if not NOTEBOOKS.is_dir():
        return []  # a copy of the exercises alone (a student's, a test's) has no notebooks
    return sorted(p for p in SOLUTIONS.glob("turns_*.py") if TURN_FILE.match(p.name))


def notebook_of(turns: Path) -> Path:
    """The notebook ``solutions/turns_NN.py`` belongs to: ``notebooks/NN_*.ipynb``."""
    number = TURN_FILE.match(turns.name).group(1)
    found = sorted(NOTEBOOKS.glob(f"{number}_*.ipynb"))
    if len(found) != 1:
        raise TurnError(f"solutions/{turns.name}: no single notebooks/{number}_*.ipynb")
    return found[0]


def turn_sources() -> dict[Path, dict[str, str]]:
    """{notebook: {function: the source its your-turn cell must have}}."""
    return {notebook_of(p): turn_cells(p.read_text(), p.name) for p in turn_files()}


def _tagged(nb, function: str) -> list[int]:
    return [i for i, cell in enumerate(nb.cells)
            if f"{TAG}{function}" in cell.metadata.get("tags", [])]


def turn_problems(notebook: Path, cells: dict[str, str], nb=None) -> list[str]:
    """Every way ``notebook``'s Your-turn cells disagree with their solutions."""
    nb = nb or nbformat.read(notebook, as_version=4)
    where, number = f"notebooks/{notebook.name}", notebook.name[:2]
    problems = []
    for function, source in cells.items():
        found = _tagged(nb, function)
        if len(found) != 1:
            problems.append(f"{where} needs one code cell tagged {TAG}{function}, "
                            f"has {len(found)}")
            continue
        cell = nb.cells[found[0]]
        if cell.cell_type != "code" or cell.source != source:
            problems.append(f"{where}: the cell tagged {TAG}{function} has drifted from "
                            f"solutions/turns_{number}.py: run `make exercises`")
        after = nb.cells[found[0] + 1] if found[0] + 1 < len(nb.cells) else None
        if (after is None or after.cell_type != "code"
                or f'your_turn("{number}", {function}' not in after.source
                or "nbval-ignore-output" not in after.metadata.get("tags", [])):
            problems.append(f"{where}: the cell after {TAG}{function} must run "
                            f'your_turn("{number}", {function}, ...) and be tagged '
                            "nbval-ignore-output")
    for i, cell in enumerate(nb.cells):
        for tag in cell.metadata.get("tags", []):
            if tag.startswith(TAG) and tag[len(TAG):] not in cells:
                problems.append(f"{where}: cell {i} is tagged {tag}, which no function in "
                                f"solutions/turns_{number}.py is")
    return problems


def write_turns() -> int:
    """Write each Your-turn cell's source from its solution; return how many changed."""
    changed = 0
    for notebook, cells in turn_sources().items():
        nb = nbformat.read(notebook, as_version=4)
        edits = 0
        for function, source in cells.items():
            for i in _tagged(nb, function):
                if nb.cells[i].source != source:
                    nb.cells[i].source, edits = source, edits + 1
        if edits:
            nbformat.write(nb, notebook)
            changed += edits
    return changed


def check_turns() -> list[str]:
    try:
        sources = turn_sources()
    except TurnError as exc:
        return [str(exc)]
    return [problem for notebook, cells in sources.items()
            for problem in turn_problems(notebook, cells)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if exercises/ is stale")
    args = parser.parse_args(argv)
    if args.check:
        problems = check() + check_turns()
        for problem in problems:
            print(f"✗ {problem}", file=sys.stderr)
        if problems:
            return 1
        print(f"✓ exercises/ and the notebooks' Your-turn cells are in sync with solutions/ "
              f"({len(solution_files())} exercises, {len(turn_files())} notebooks of turns)")
        return 0
    EXERCISES.mkdir(exist_ok=True)
    for name, (text, _) in build().items():
        (EXERCISES / name).write_text(text)
    print(f"wrote {len(solution_files())} exercises to exercises/")
    print(f"wrote {write_turns()} Your-turn cell(s) into notebooks/")
    problems = check_turns()
    for problem in problems:
        print(f"✗ {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
