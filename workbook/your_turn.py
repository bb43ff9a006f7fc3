"""Your-turn cells: a small function the student completes in the notebook, checked below it.

The solution of each lives in ``solutions/turns_NN.py`` (NN: the notebook), under a comment
that starts ``# Your turn:``, with its solution between nbgrader's markers::

    # Your turn: return the oldest job on `queue`, without taking it off.
    def oldest_job(r, queue):
        ### BEGIN SOLUTION
        return json.loads(r.lrange(queue, -1, -1)[0])
        ### END SOLUTION


    def check_oldest_job(oldest_job, r):
        yield same("returns the job pushed first", oldest_job(r, "q"), {...})

``tools/make_exercises.py`` writes :func:`turn_cells` (the comment, then the function with its
solution replaced by ``...``) into the notebook's code cell tagged ``your-turn:<name>`` and
fails ``--check`` when the two drift. The cell below it runs ``your_turn("01", oldest_job, r)``,
which prints one line per behaviour from ``check_<name>`` and never raises.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from types import CodeType, ModuleType

from workbook import PROJECT_ROOT
from workbook.target import exercise_folder

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"  # nbgrader's markers, spelled once
MARK = "# Your turn:"
TAG = "your-turn:"
TURN_FILE = re.compile(r"^turns_(\d\d)\.py$")
_DEF = re.compile(r"^def (\w+)\(")

Behaviour = tuple[bool, str]


class TurnError(ValueError):
    """A turns module whose Your-turn blocks or markers are malformed."""


def turn_file(notebook: str) -> Path:
    """The solutions module of notebook ``notebook``'s Your-turn cells."""
    return PROJECT_ROOT / "solutions" / f"turns_{notebook}.py"


def _stub_line(indent: str, removed: int) -> str:
    what = "one line" if removed == 1 else f"about {removed} lines"
    return f"{indent}...  # replace ... with {what}\n"


def turn_cells(source: str, name: str = "turns") -> dict[str, str]:
    """Each Your-turn function of a turns module, as its notebook cell: {function: cell text}.

    A turn starts at a ``# Your turn:`` comment in the first column and ends with the first
    top-level function after it; its solution block becomes ``...`` with a comment saying how
    many lines replace it.
    """
    cells: dict[str, str] = {}
    lines = source.splitlines(keepends=True)
    i = 0
    while i < len(lines):
        if not lines[i].startswith(MARK):
            i += 1
            continue
        out, function, removed, in_block, blocks = [], None, 0, False, 0
        while i < len(lines):
            line, number = lines[i], i + 1
            stripped = line.strip()
            if function and line.strip() and not line[0].isspace():
                break  # the next top-level statement ends the function
            if function is None and (m := _DEF.match(line)):
                function = m.group(1)
            if stripped == BEGIN:
                if in_block:
                    raise TurnError(f"{name}:{number}: {BEGIN} inside a solution block")
                in_block, removed = True, 0
                indent = line[: len(line) - len(line.lstrip())]
            elif stripped == END:
                if not in_block:
                    raise TurnError(f"{name}:{number}: {END} without {BEGIN}")
                if not removed:
                    raise TurnError(f"{name}:{number}: an empty solution block")
                out.append(_stub_line(indent, removed))
                in_block, blocks = False, blocks + 1
            elif stripped.startswith("###"):
                raise TurnError(f"{name}:{number}: unknown marker {stripped!r}")
            elif in_block:
                removed += bool(stripped)  # the lines a student writes, blank ones aside
            else:
                out.append(line)
            i += 1
        if in_block:
            raise TurnError(f"{name}: {BEGIN} never closed")
        if function is None:
            raise TurnError(f"{name}: a {MARK!r} comment with no function after it")
        if blocks != 1:
            raise TurnError(f"{name}: {function} needs exactly one solution block, has {blocks}")
        if f"\ndef check_{function}(" not in source:
            raise TurnError(f"{name}: {function} has no check_{function} to run in its notebook")
        if function in cells:
            raise TurnError(f"{name}: two Your-turn functions named {function}")
        cells[function] = "".join(out).rstrip("\n")
    return cells


def _load(path: Path) -> ModuleType:
    # Loaded afresh from its file on every call, so an edited solution is what runs.
    spec = importlib.util.spec_from_file_location(f"_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _signature(code: CodeType) -> tuple:
    return code.co_code, code.co_consts, code.co_names, code.co_varnames


def is_untouched(func: Callable, stub_text: str) -> bool:
    """Whether ``func`` compiles to the same code as the generated stub ``stub_text``."""
    namespace: dict = {}
    exec(compile(stub_text, "<your turn stub>", "exec"), namespace)  # defines, runs nothing
    stub = namespace[func.__name__]
    code = getattr(func, "__code__", None)
    return code is not None and _signature(code) == _signature(stub.__code__)


def solved_state() -> bool:
    """Whether this kernel runs the solutions (``WORKBOOK_TARGET=solutions``, as CI's run)."""
    return exercise_folder().resolve() == (PROJECT_ROOT / "solutions").resolve()


def same(behaviour: str, got, expected) -> Behaviour:
    """One behaviour: passed when ``got == expected``, else says what came back."""
    if got == expected:
        return True, behaviour
    return False, f"{behaviour}: expected {expected!r}, got {got!r}"


def report(checks: Iterable[Behaviour], name: str) -> list[str]:
    """One line per behaviour; a raising student function ends the list with one ❌ line."""
    lines = []
    try:
        for ok, words in checks:
            lines.append(f"{'✅' if ok else '❌'} {words}")
    except Exception as exc:  # the student's mistake is reported, never raised
        lines.append(f"❌ {name} raised {type(exc).__name__}: {exc}")
    return lines


def your_turn(notebook: str, func: Callable, *live) -> None:
    """Check the student's ``func`` for notebook ``notebook``; ``live`` are the notebook's objects.

    Prints one line per behaviour (✅/❌), or one "not started" line for an untouched stub; in
    the solved state an untouched stub is replaced by the solution, so CI runs the real check.
    """
    name = getattr(func, "__name__", repr(func))
    path = turn_file(notebook)
    try:
        module = _load(path)
        stub = turn_cells(path.read_text(), path.name)[name]
        check = getattr(module, f"check_{name}")
    except (OSError, KeyError, AttributeError, TurnError) as exc:
        print(f"❌ There is no Your turn {name!r} for notebook {notebook} ({exc}).")
        return
    try:
        untouched = is_untouched(func, stub)
    except Exception:  # a function we cannot compare is the student's own
        untouched = False
    if untouched:
        if not solved_state():
            print(f"⏳ Your turn: not started — write {name} in the cell above, then run this "
                  "cell again.")
            return
        print(f"(solved state: using solutions/{path.name})")
        func = getattr(module, name)
    for line in report(check(func, *live), name):
        print(line)
