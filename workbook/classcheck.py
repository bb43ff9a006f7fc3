"""Check a whole class's exercises in one command, with a summary per student.

    python -m workbook.classcheck STUDENT_DIR [STUDENT_DIR ...] [--junit class.xml]

Each STUDENT_DIR is a student's copy of the workbook (its ``exercises/`` is used) or an
exercises folder itself. The exercise tests run once per student, against that folder, and a
table shows each exercise as ✅ (every check passes), ⏳ (not started) or ❌ k/n (k of n checks
pass). ``--junit`` also writes one JUnit XML file with a test suite per student, which CI
systems and gradebooks read. The exit status is 0 whatever the students' results: a failing
student is a result, not an error.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from xml.etree import ElementTree

from workbook import PROJECT_ROOT
from workbook.checks import CheckResult, read_report, run_exercise_tests

TESTS = PROJECT_ROOT / "tests" / "exercises"


def exercises() -> list[str]:
    """Every exercise id, in order (``01a``...``08b``)."""
    return sorted(path.stem.removeprefix("test_ex")[:3] for path in TESTS.glob("test_ex*.py"))


def student_folder(path: Path) -> Path:
    """The folder holding a student's exercise modules."""
    return path / "exercises" if (path / "exercises").is_dir() else path


def check_student(path: Path, report: Path) -> dict[str, CheckResult]:
    """Run every exercise test against one student's folder; results by exercise."""
    run_exercise_tests(sorted(TESTS.glob("test_ex*.py")), student_folder(path), report)
    found = read_report(report)
    return {ex: CheckResult(ex, found.get(ex, [])) for ex in exercises()}


def cell(result: CheckResult) -> str:
    if result.ok:
        return "✅"
    if result.not_started or result.total == 0:
        return "⏳"
    return f"❌ {result.passed}/{result.total}"


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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
