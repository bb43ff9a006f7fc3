"""Run the timing-sensitive tests again and again on a busy machine, and count what passed.

    python tools/flake_hunt.py --runs 5        # what `make flake-hunt N=5` runs
    python tools/flake_hunt.py --runs 3 -- -k ratelimit

A test marked ``timing`` passes or fails by how fast something ran: a rate, a timeout, a wait.
Such a test is only as good as its margin on a slow machine, so this runs them ``--runs``
times with ``--busy`` loops of pure Python beside them (two: both cores of the reference
machine taken), each run a fresh ``pytest -m timing`` against the solutions, and prints per
test how many runs passed. The busy loops are started and stopped by PID, also when a run
fails or the hunt is interrupted; they die with this process if it is killed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from workbook.processes import ManagedProcess, start_process  # noqa: E402

BUSY_LOOP = [sys.executable, "-c", "while True: pass"]


def outcomes(junit_xml: Path) -> dict[str, str]:
    """``{test id: passed | failed | skipped}`` from one pytest run's JUnit XML."""
    found = {}
    for case in ET.parse(junit_xml).getroot().iter("testcase"):
        test = f"{case.get('classname', '').replace('.', '/')}.py::{case.get('name')}"
        if case.find("failure") is not None or case.find("error") is not None:
            found[test] = "failed"
        elif case.find("skipped") is not None:
            found[test] = "skipped"
        else:
            found[test] = "passed"
    return found


def one_run(number: int, folder: Path, pytest_args: list[str]) -> dict[str, str]:
    """One ``pytest -m timing`` run against the solutions; its outcome per test."""
    report = folder / f"run-{number}.xml"
    log = folder / f"run-{number}.log"
    cmd = [sys.executable, "-m", "pytest", "-m", "timing", "--target=solutions", "-q",
           f"--junitxml={report}", *pytest_args]
    started = time.monotonic()
    child = start_process(cmd, name=f"flake-hunt-run-{number}", log_dir=folder)
    try:
        code = child.wait()
    finally:
        child.stop()  # by PID, with what it started: an interrupted hunt leaves nothing
    if code not in (0, 1) or not report.exists():
        # 2 to 5: interrupted, an internal error, a usage error, nothing collected.
        raise SystemExit(f"run {number}: pytest exited with {code}, see {log}:\n"
                         f"{child.log()[-3000:]}")
    found = outcomes(report)
    failed = sorted(test for test, outcome in found.items() if outcome == "failed")
    print(f"run {number}: {len(found) - len(failed)} of {len(found)} passed in "
          f"{time.monotonic() - started:.0f} s" + "".join(f"\n  failed: {t}" for t in failed),
          flush=True)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="how many times (default 5)")
    parser.add_argument("--busy", type=int, default=2,
                        help="busy loops beside the tests (default 2: both cores)")
    parser.add_argument("pytest_args", nargs="*", help="more pytest arguments, after --")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.busy < 0:
        parser.error("--runs must be 1 or more and --busy 0 or more")
    folder = Path(tempfile.mkdtemp(prefix="workbook-flake-hunt-"))
    runs: list[dict[str, str]] = []
    busy: list[ManagedProcess] = []
    try:
        busy = [start_process(BUSY_LOOP, name=f"busy-{n}", log_dir=folder)
                for n in range(args.busy)]
        print(f"{args.runs} run(s) of pytest -m timing beside {args.busy} busy loop(s) "
              f"(PIDs {', '.join(str(p.pid) for p in busy) or 'none'}); logs in {folder}",
              flush=True)
        for number in range(1, args.runs + 1):
            runs.append(one_run(number, folder, args.pytest_args))
    finally:
        for loop in busy:
            loop.stop(timeout=5)
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for found in runs:
        for test, outcome in found.items():
            counts[test][outcome] += 1
    flaky = sorted(test for test in counts if counts[test]["failed"])
    print(f"\nper test, runs passed beside {args.busy} busy loop(s):")
    for test in flaky + sorted(test for test in counts if test not in flaky):
        skipped = counts[test]["skipped"]
        print(f"  {counts[test]['passed']}/{sum(counts[test].values())}  {test}"
              + (f"  ({skipped} skipped)" if skipped else ""))
    print(f"{len(counts) - len(flaky)} of {len(counts)} timing tests never failed in "
          f"{len(runs)} run(s)" + (f"; {len(flaky)} failed at least once" if flaky else ""))
    return 1 if flaky else 0


if __name__ == "__main__":
    raise SystemExit(main())
