"""One home for each idea: a second process launcher or Redis client factory fails here.

Every process goes through ``workbook/processes.py`` (its own session, its log, stopped by PID
with everything it started), and every Redis client through ``mailer_app/redis_client.py``
(Sentinel URLs, redaction and the one-line messages). The source of mailer_app/, workbook/,
tools/ and tests/ is scanned for the calls that would start a second one.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCANNED = ("mailer_app", "workbook", "tools", "tests")
THIS_FILE = "tests/test_one_home.py"  # it names the patterns it looks for

PROCESS_HOME = "workbook/processes.py"
PROCESS_CALL = re.compile(r"\bPopen\(")
#: Files that may start a process another way, each with the reason.
PROCESS_ALLOWED: dict[str, str] = {}
#: Launchers still to move into workbook.processes (issue 25, "one process abstraction").
PROCESS_PENDING = {"workbook/redis_runner.py"}

REDIS_HOME = "mailer_app/redis_client.py"
REDIS_CALL = re.compile(r"\bredis\.Redis\(|Redis\.from_url\(|StrictRedis\(|(?<![\w.])Redis\(")
#: Files that may build a Redis client another way, each with the reason.
REDIS_ALLOWED = {
    # A test double: a redis.Redis subclass that slows one command, built with its from_url.
    "tests/exercises/test_ex07a_idempotent.py": "a slowed Redis subclass for one test",
}
#: Factories still to fold into redis_client (issue 25, "one way to get a Redis client").
REDIS_PENDING = {
    "workbook/notebook.py",  # Workbench.scratch_connection edits the URL by hand
    "workbook/redis_runner.py",  # _answers_ping and RedisServer.client
}


def files_calling(pattern: re.Pattern) -> dict[str, list[int]]:
    """Each scanned .py file whose source calls ``pattern``, with the line numbers."""
    found = {}
    for folder in SCANNED:
        for path in sorted((ROOT / folder).rglob("*.py")):
            name = path.relative_to(ROOT).as_posix()
            lines = [number for number, line in enumerate(path.read_text().splitlines(), 1)
                     if pattern.search(line.split("#", 1)[0])]
            if lines and name != THIS_FILE:
                found[name] = lines
    return found


@pytest.mark.parametrize(("pattern", "home", "allowed", "pending"), [
    (PROCESS_CALL, PROCESS_HOME, PROCESS_ALLOWED, PROCESS_PENDING),
    (REDIS_CALL, REDIS_HOME, REDIS_ALLOWED, REDIS_PENDING),
], ids=["process launcher", "Redis client factory"])
def test_no_new_second_home_appears(pattern, home, allowed, pending):
    found = files_calling(pattern)
    assert home in found, f"{home} no longer has the call this test looks for: update the test"
    others = {name: lines for name, lines in found.items()
              if name != home and name not in allowed and name not in pending}
    assert others == {}, (f"outside {home} (file: lines): {others}; go through {home}, or "
                          "allow the file here with the reason")
    stale = sorted(pending - found.keys())
    assert stale == [], f"{stale} no longer call it: take them off the pending list"


@pytest.mark.xfail(strict=True, reason="one process launcher: pending redis_runner.py refactor")
def test_every_process_starts_in_workbook_processes():
    found = files_calling(PROCESS_CALL)
    assert set(found) - {PROCESS_HOME} - PROCESS_ALLOWED.keys() == set(), found


@pytest.mark.xfail(strict=True, reason="one Redis client factory: pending signup.py/notebook.py/"
                                       "services.py refactor (calls now in notebook.py and "
                                       "redis_runner.py)")
def test_every_redis_client_comes_from_redis_client():
    found = files_calling(REDIS_CALL)
    assert set(found) - {REDIS_HOME} - REDIS_ALLOWED.keys() == set(), found
