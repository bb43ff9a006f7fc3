"""Run one exercise's tests from a notebook cell and say, in one friendly line, how it went.

``check("03a")`` runs ``tests/exercises/test_ex03a_*.py`` against the folder
:mod:`workbook.target` names (``exercises`` for students, ``solutions`` under CI's nbval), in a
separate pytest process so a half-written exercise cannot break the notebook's kernel.
``hint("03a", level)`` helps in three levels: the idea, the API to look up, a skeleton.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

from workbook import PROJECT_ROOT
from workbook.hint_skeletons import SKELETONS
from workbook.target import target_name

HINT = "### HINT:"


@dataclass
class Behaviour:
    """One exercise test, in words: what it checks, and what went wrong if it failed."""

    name: str
    ok: bool
    problem: str = ""
    untouched: bool = False  # it stopped at the stub's NotImplementedError

    @property
    def words(self) -> str:
        return self.name.removeprefix("test_").replace("_", " ")


@dataclass
class CheckResult:
    exercise: str
    behaviours: list[Behaviour] = field(default_factory=list)
    module: str = ""
    #: Why nothing could be checked: the exercise file does not import, or pytest itself failed.
    does_not_run: str = ""

    @property
    def passed(self) -> int:
        return sum(b.ok for b in self.behaviours)

    @property
    def total(self) -> int:
        return len(self.behaviours)

    @property
    def ok(self) -> bool:
        return self.total > 0 and self.passed == self.total

    @property
    def not_started(self) -> bool:
        return self.total > 0 and all(b.untouched for b in self.behaviours)

    def __str__(self) -> str:
        if self.does_not_run:
            return f"❌ {self.does_not_run}"
        if self.not_started:
            return (f"⏳ Exercise {self.exercise}: not started yet. Open "
                    f"exercises/{self.module}.py, read the docstring, write your code, then run "
                    f"this cell again. Stuck? hint({self.exercise!r}).")
        if self.ok:
            checks = "its 1 check passes" if self.total == 1 else f"all {self.total} checks pass"
            lines = [f"✅ Exercise {self.exercise}: {checks}."]
        else:
            lines = [f"❌ Exercise {self.exercise}: {self.passed} of {self.total} checks pass. "
                     f"Edit exercises/{self.module}.py and run this cell again."]
        for b in self.behaviours:
            problem = "" if b.ok else f": {b.problem}"
            lines.append(f"   {'✅' if b.ok else '❌'} {b.words}{problem}")
        return "\n".join(lines)


def _problem(message: str) -> str:
    """The first line of a failure, without the exception's name pytest puts in front."""
    first = message.strip().splitlines()[0] if message.strip() else "failed"
    for prefix in ("AssertionError: ", "Failed: "):
        first = first.removeprefix(prefix)
    return first[:240]


#: What each level of ``hint(exercise, level)`` gives, gentlest first.
HINT_LEVELS = {1: "the idea", 2: "the API to look up", 3: "a skeleton with blanks to fill"}


def solution_file(exercise: str) -> Path:
    """The solution module of ``exercise``, or ValueError naming the exercises there are."""
    found = sorted((PROJECT_ROOT / "solutions").glob(f"ex{exercise}_*.py")) if exercise else []
    if len(found) != 1:
        raise ValueError(f"There is no exercise {exercise!r}: choose one of "
                         f"{', '.join(exercise_ids())}.")
    return found[0]


def exercise_ids() -> list[str]:
    """Every exercise id, in order (``01a``...``10a``)."""
    return sorted(path.stem[2:5] for path in (PROJECT_ROOT / "solutions").glob("ex*.py"))


def read_idea(exercise: str) -> str:
    """The first-level hint of ``exercise`` (the idea), from its docstring in solutions/."""
    docstring = solution_file(exercise).read_text().split('"""')[1]
    idea = " ".join(docstring.split("Hint (the idea):", 1)[-1].split())
    return idea.split(" Stuck?")[0]


def read_hints(exercise: str) -> list[tuple[str, str]]:
    """The second-level hints of ``exercise``: (function, hint) pairs, from solutions/."""
    hints, function, current = [], "?", []
    for line in solution_file(exercise).read_text().splitlines():
        stripped = line.strip()
        if stripped.startswith("def "):
            function = stripped[4:].split("(")[0]
        if stripped.startswith(HINT):
            current.append(stripped[len(HINT):].strip())
        elif current:
            hints.append((function, " ".join(current)))
            current = []
    return hints


def hint_text(exercise: str, level: int = 1) -> str:
    """The ``level`` hint of ``exercise`` (see HINT_LEVELS), never the answer's code."""
    module = solution_file(exercise).name
    if level not in HINT_LEVELS or isinstance(level, bool):
        choices = ", ".join(f"{n} ({what})" for n, what in HINT_LEVELS.items())
        raise ValueError(f"There is no hint level {level!r}: choose {choices}.")
    if level == 1:
        lines = [f"💡 {exercise}, the idea: {read_idea(exercise)}"]
    elif level == 2:
        lines = [f"💡 {exercise}, {function}: {text}" for function, text in read_hints(exercise)]
    else:
        lines = [f"💡 {exercise}, a skeleton: replace each ___ in exercises/{module}",
                 *(f"    {line}" for line in SKELETONS[exercise].strip("\n").splitlines())]
    if level + 1 in HINT_LEVELS:
        lines.append(f"   Still stuck? hint({exercise!r}, {level + 1}) gives "
                     f"{HINT_LEVELS[level + 1]}.")
    return "\n".join(lines)


def hint(exercise: str, level: int = 1) -> None:
    """Print one level of hint for ``exercise``: 1 the idea, 2 the API, 3 a skeleton."""
    try:
        print(hint_text(exercise, level))
    except ValueError as exc:  # a typo gets the valid choices, not a traceback
        print(exc)


def check(exercise: str, target: str | None = None) -> None:
    """Run the tests of ``exercise`` (like ``"03a"``) and print a one-line verdict."""
    print(run_check(exercise, target))


def read_report(report: Path) -> dict[str, list[Behaviour]]:
    """The behaviours in a JUnit report of exercise tests, by exercise (``"01a"``...)."""
    found: dict[str, dict[str, Behaviour]] = {}
    cases = ElementTree.parse(report).getroot().iter("testcase") if report.exists() else []
    for case in cases:
        if not case.get("classname"):  # a test file that could not be collected
            continue
        exercise = case.get("classname", "").rsplit(".", 1)[-1].removeprefix("test_ex")[:3]
        name = case.get("name", "?").split("[")[0]  # parametrized cases are one behaviour
        behaviour = found.setdefault(exercise, {}).setdefault(
            name, Behaviour(name, ok=True, untouched=True))
        failure = case.find("failure")
        if failure is None:
            failure = case.find("error")
        if failure is None:
            behaviour.untouched = False
            continue
        message = failure.get("message") or ""
        if behaviour.ok:
            behaviour.ok, behaviour.problem = False, _problem(message)
        behaviour.untouched = behaviour.untouched and message.startswith("not implemented yet")
    return {exercise: list(behaviours.values()) for exercise, behaviours in found.items()}


def read_import_errors(report: Path) -> dict[str, str]:
    """Why each exercise module failed to import, by exercise, from a JUnit report.

    An exercise module with a syntax error or a failed import stops its test file from being
    collected at all: pytest reports a "collection failure" and no tests, which must not read
    as "0 of 0 checks pass" or "not started".
    """
    found = {}
    cases = ElementTree.parse(report).getroot().iter("testcase") if report.exists() else []
    for case in cases:
        error = case.find("error")
        if case.get("classname") or error is None:
            continue
        test_file = case.get("name", "").rsplit(".", 1)[-1]  # tests.exercises.test_ex03a_...
        found[test_file.removeprefix("test_ex")[:3]] = _import_error(
            error.text or "", test_file.removeprefix("test_"))
    return found


def _import_error(traceback: str, module: str) -> str:
    """``SyntaxError on line 12: invalid syntax`` from pytest's account of a failed import."""
    # The last "E   Name: message" line is the exception; its line in the student's file is
    # the last place the traceback names that file ('File "...", line N' or '....py:N: in').
    raised = re.findall(r"^E\s+(\w+(?:Error|Exception|Exit|Interrupt)): ?(.*)$", traceback,
                        re.MULTILINE)
    lines = re.findall(rf'{module}\.py", line (\d+)|{module}\.py:(\d+):', traceback)
    what, message = raised[-1] if raised else ("an error", "it stopped while being imported")
    where = f" on line {next(n for n in lines[-1] if n)}" if lines else ""
    return f"{what}{where}: {message.strip()}"


def run_exercise_tests(files: list[Path], target: str | Path, report: Path,
                       extra: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    """Run exercise tests against ``target`` in a separate pytest, writing a JUnit report."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", *map(str, files), f"--target={target}", "-q",
         # nbval is not needed here, and loading it triples the start-up time.
         "-p", "no:cacheprovider", "-p", "no:nbval", f"--junitxml={report}",
         # One exercise file that does not import must not stop the others being checked.
         "--continue-on-collection-errors", *extra],
        capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=1200,
    )


def pytest_failure(run: subprocess.CompletedProcess) -> str:
    """One line on why a pytest run checked nothing: its exit status and last words."""
    said = [line for line in (run.stdout + run.stderr).splitlines() if line.strip()]
    return f"pytest stopped with exit status {run.returncode}: {said[-1] if said else 'no output'}"


def run_check(exercise: str, target: str | None = None) -> CheckResult:
    """Run the tests of ``exercise`` in a separate pytest process and read its JUnit report."""
    target = target or target_name()
    files = sorted((PROJECT_ROOT / "tests" / "exercises").glob(f"test_ex{exercise}_*.py"))
    if not files:
        raise ValueError(f"There is no exercise {exercise!r}; see the exercises/ folder.")
    module = files[0].stem.removeprefix("test_")
    with tempfile.TemporaryDirectory(prefix="workbook-check-") as scratch:
        report = Path(scratch) / "report.xml"
        run = run_exercise_tests(files, target, report)
        behaviours = read_report(report).get(exercise, [])
        import_error = read_import_errors(report).get(exercise)
    result = CheckResult(exercise, behaviours, module)
    if import_error:
        result.does_not_run = f"{target}/{module}.py does not run: {import_error}"
    elif not behaviours:
        result.does_not_run = f"The checks of {exercise} did not run ({pytest_failure(run)})."
    return result
