"""The exercise tests have teeth: deliberately wrong solutions (mutants) fail them.

Each mutant is the current solution with one plausible mistake edited in, built afresh for
every run, so a mutant can never drift from the solution it mutates: if the solution changes
so that the mistake no longer applies, this test says so.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
SOLUTIONS = HERE.parent / "solutions"

#: name: (solution module, text in the solution, the wrong text, what the mistake is)
MUTANTS = {
    "fifo_becomes_lifo": (
        "ex01a_list_queue.py", "conn.brpop(queue, timeout=timeout)",
        "conn.blpop(queue, timeout=timeout)", "BLPOP: the newest job comes out first"),
    "ack_before_work": (
        "ex01b_reliable_queue.py", "    handler(item)\n    conn.lrem(processing, 1, item)",
        "    conn.lrem(processing, 1, item)\n    handler(item)",
        "acknowledged before the work: a crash loses the job"),
    "claim_not_atomic": (
        "ex07a_idempotent.py",
        '    if not conn.set(key, "sending", nx=True, ex=claim_seconds):\n        return False',
        '    if conn.get(key) is not None:\n        return False\n'
        '    conn.set(key, "sending", ex=claim_seconds)',
        "GET then SET: two concurrent callers both send"),
    "prefix_allowlist": (
        "ex07b_allowlist.py", "module not in set(modules)",
        "not any(module.startswith(m) for m in modules)", "a prefix passes for a module"),
    "naive_datetime_accepted": (
        "ex06a_reminder.py",
        '    if when.tzinfo is None:\n        raise ValueError("when must be timezone-aware, '
        'e.g. datetime.now(UTC) + timedelta(...)")\n    if when <= datetime.now(UTC):',
        "    if when.timestamp() <= datetime.now(UTC).timestamp():",
        "a naive datetime is scheduled, hours off"),
    "linear_backoff": (
        "ex04b_retry.py", "int(base * 2**i)", "int(base * (i + 1))",
        "10, 20, 30 s, not 10, 20, 40"),
    "tuple_not_listed": (
        "ex03b_json_args.py", "if isinstance(value, (list, tuple)):", "if isinstance(value, list):",
        "tuples fall through to the TypeError"),
}


@pytest.mark.parametrize("name", sorted(MUTANTS))
def test_mutant_is_caught(name, tmp_path, redis_url):
    module, right, wrong, mistake = MUTANTS[name]
    source = (SOLUTIONS / module).read_text()
    assert right in source, f"{name}: the solution changed; update the mutant ({mistake})"
    (tmp_path / module).write_text(source.replace(right, wrong))
    result = subprocess.run(
        [sys.executable, "-m", "pytest", str(HERE / "exercises" / f"test_{module}"),
         f"--target={tmp_path}", "-q", "-p", "no:cacheprovider", "--no-header"],
        capture_output=True, text=True, cwd=HERE.parent, timeout=300,
    )
    assert result.returncode == 1, f"mutant {name} survived ({mistake}):\n{result.stdout[-2000:]}"
    assert " failed" in result.stdout.splitlines()[-1]
