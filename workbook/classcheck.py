"""Check a whole class's exercises in one command, with a summary per student.

    python -m workbook.classcheck STUDENT_DIR [STUDENT_DIR ...] [--junit class.xml]

Each STUDENT_DIR is a student's copy of the workbook (its ``exercises/`` is used) or an
exercises folder itself. The exercise tests run once per student, against that folder, and a
table shows each exercise as ✅ (every check passes), ⏳ (not started), ❌ k/n (k of n checks
pass) or ❌ does not run (the file does not even import; a line under the table says why).
``--junit`` also writes one JUnit XML file with a test suite per student, which CI systems and
gradebooks read. The exit status is 0 whatever the students' results: a failing
student is a result, not an error.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from xml.etree import ElementTree

from workbook import PROJECT_ROOT
from workbook.checks import (
    CheckResult,
    pytest_failure,
    read_import_errors,
    read_report,
    run_exercise_tests,
)

TESTS = PROJECT_ROOT / "tests" / "exercises"


def exercises() -> list[str]:
    """Every exercise id, in order (``01a``...``10a``)."""
    return sorted(path.stem.removeprefix("test_ex")[:3] for path in TESTS.glob("test_ex*.py"))


def student_folder(path: Path) -> Path:
    """The folder holding a student's exercise modules."""
    return path / "exercises" if (path / "exercises").is_dir() else path


def check_student(path: Path, report: Path) -> dict[str, CheckResult]:
    """Run every exercise test against one student's folder; results by exercise."""
    tests, folder = sorted(TESTS.glob("test_ex*.py")), student_folder(path)
    run = run_exercise_tests(tests, folder, report)
    found, import_errors = read_report(report), read_import_errors(report)
    results = {}
    for test in tests:
        exercise, module = test.stem.removeprefix("test_ex")[:3], test.stem.removeprefix("test_")
        result = results[exercise] = CheckResult(exercise, found.get(exercise, []), module)
        if exercise in import_errors:
            result.does_not_run = f"{folder / module}.py does not run: {import_errors[exercise]}"
        elif not result.behaviours:
            result.does_not_run = f"the checks of {exercise} did not run ({pytest_failure(run)})"
    return results


def cell(result: CheckResult) -> str:
    if result.does_not_run:
        return "❌ does not run"
    if result.ok:
        return "✅"
    if result.not_started:
        return "⏳"
    return f"❌ {result.passed}/{result.total}"


def problems(results: dict[str, dict[str, CheckResult]]) -> list[str]:
    """One line per exercise that could not be checked at all, saying why."""
    return [f"❌ {student}: {result.does_not_run}"
            for student, by_exercise in results.items()
            for result in by_exercise.values() if result.does_not_run]


def table(results: dict[str, dict[str, CheckResult]]) -> str:
    """The class as a Markdown table: a row per student, a column per exercise, a total."""
    ids = exercises()
    lines = ["| student | " + " | ".join(ids) + " | done |",
             "|---|" + "---|" * (len(ids) + 1)]
    for student, by_exercise in results.items():
        done = sum(r.ok for r in by_exercise.values())
        lines.append(f"| {student} | " + " | ".join(cell(by_exercise[ex]) for ex in ids)
                     + f" | {done}/{len(ids)} |")
    return "\n".join(lines)


def merge_junit(reports: dict[str, Path], out: Path) -> None:
    """One JUnit file, a test suite per student (named after the student's folder)."""
    root = ElementTree.Element("testsuites", name="workbook class check")
    for student, report in reports.items():
        if not report.exists():
            continue
        for suite in ElementTree.parse(report).getroot().iter("testsuite"):
            suite.set("name", student)
            root.append(suite)
    ElementTree.ElementTree(root).write(out, encoding="utf-8", xml_declaration=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("students", nargs="+", type=Path, help="each student's folder")
    parser.add_argument("--junit", type=Path, help="also write one JUnit XML file here")
    args = parser.parse_args(argv)
    missing = [str(p) for p in args.students if not student_folder(p).is_dir()]
    if missing:
        print(f"No such folder: {', '.join(missing)}", file=sys.stderr)
        return 2
    results, reports = {}, {}
    with tempfile.TemporaryDirectory(prefix="workbook-class-") as scratch:
        for index, path in enumerate(args.students):
            name = path.resolve().name
            print(f"checking {name} ...", file=sys.stderr, flush=True)
            reports[name] = Path(scratch) / f"{index}.xml"
            results[name] = check_student(path, reports[name])
        if args.junit:
            merge_junit(reports, args.junit)
    print(table(results))
    for line in problems(results):
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
