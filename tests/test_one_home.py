"""One home for each idea: a second process launcher or Redis client factory fails here.

Every process goes through ``workbook/processes.py`` (its own session, its log, stopped by PID
with everything it started), and every Redis client through ``mailer_app/redis_client.py``
(Sentinel URLs, redaction and the one-line messages). The source of mailer_app/, workbook/,
tools/ and tests/ is scanned for the calls that would start a second one.
"""

from __future__ import annotations

import ast
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
PROCESS_PENDING: set[str] = set()

REDIS_HOME = "mailer_app/redis_client.py"
REDIS_CALL = re.compile(r"\bredis\.Redis\(|Redis\.from_url\(|StrictRedis\(|(?<![\w.])Redis\(")
#: Files that may build a Redis client another way, each with the reason.
REDIS_ALLOWED = {
    # A test double: a redis.Redis subclass that slows one command, built with its from_url.
    "tests/exercises/test_ex07a_idempotent.py": "a slowed Redis subclass for one test",
}
#: Factories still to fold into redis_client (issue 25, "one way to get a Redis client").
REDIS_PENDING: set[str] = set()


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


def test_every_process_starts_in_workbook_processes():
    found = files_calling(PROCESS_CALL)
    assert set(found) - {PROCESS_HOME} - PROCESS_ALLOWED.keys() == set(), found


def test_every_redis_client_comes_from_redis_client():
    found = files_calling(REDIS_CALL)
    assert set(found) - {REDIS_HOME} - REDIS_ALLOWED.keys() == set(), found


TARGET_HOME = "workbook/target.py"
TARGET_VARIABLE = "WORKBOOK_TARGET"


def names_for_target(tree: ast.AST) -> set[str]:
    """The names a module binds to the string ``WORKBOOK_TARGET`` (``VARIABLE = "..."``)."""
    return {target.id for node in ast.walk(tree) if isinstance(node, (ast.Assign, ast.AnnAssign))
            and isinstance(node.value, ast.Constant) and node.value.value == TARGET_VARIABLE
            for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
            if isinstance(target, ast.Name)}


def reads_of_target(tree: ast.AST, aliases: frozenset[str] = frozenset()) -> list[int]:
    """Lines that read ``WORKBOOK_TARGET`` from an environment, spelled out or by a constant.

    A read is ``environ.get(NAME...)``, ``getenv(NAME...)``, ``environ[NAME]`` as a value, or
    ``NAME in environ``. Setting or removing it (``monkeypatch.setenv``, ``environ[NAME] = ...``,
    a child's ``env={NAME: ...}``) says which folder a process gets, and is not a read.
    """
    def is_name(node) -> bool:
        return ((isinstance(node, ast.Constant) and node.value == TARGET_VARIABLE)
                or (isinstance(node, ast.Name) and node.id in aliases)
                or (isinstance(node, ast.Attribute) and node.attr in aliases))

    lines = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and node.args and is_name(node.args[0])
                and getattr(node.func, "attr", getattr(node.func, "id", "")) in ("get", "getenv")):
            lines.append(node.lineno)
        elif (isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load)
                and is_name(node.slice)):
            lines.append(node.lineno)
        elif (isinstance(node, ast.Compare) and is_name(node.left)
                and isinstance(node.ops[0], (ast.In, ast.NotIn))):
            lines.append(node.lineno)
    return sorted(lines)


def test_only_workbook_target_reads_where_the_students_code_is():
    trees = {path.relative_to(ROOT).as_posix(): ast.parse(path.read_text())
             for folder in SCANNED for path in sorted((ROOT / folder).rglob("*.py"))}
    aliases = frozenset().union(*map(names_for_target, trees.values()))
    found = {name: lines for name, tree in trees.items()
             if (lines := reads_of_target(tree, aliases))}
    assert TARGET_HOME in found, f"{TARGET_HOME} reads {TARGET_VARIABLE} no more: update the test"
    others = {name: lines for name, lines in found.items() if name != TARGET_HOME}
    assert others == {}, (f"{TARGET_VARIABLE} read outside {TARGET_HOME} (file: lines): "
                          f"{others}; call workbook.target.exercise_folder() or target_name()")


@pytest.mark.parametrize(("source", "reads"), [
    ('os.environ.get("WORKBOOK_TARGET", "exercises")', [1]),
    ('os.getenv("WORKBOOK_TARGET")', [1]),
    ('x = os.environ["WORKBOOK_TARGET"]', [1]),
    ('"WORKBOOK_TARGET" in os.environ', [1]),
    ('NAME = "WORKBOOK_TARGET"\nos.environ.get(NAME)', [2]),
    ('os.environ.get(target.NAME)', [1]),
    ('os.environ["WORKBOOK_TARGET"] = "solutions"', []),
    ('os.environ[target.NAME] = "solutions"', []),
    ('monkeypatch.setenv("WORKBOOK_TARGET", "solutions")', []),
    ('monkeypatch.delenv("WORKBOOK_TARGET", raising=False)', []),
    ('run(cmd, env={"WORKBOOK_TARGET": "exercises"})', []),
    ('os.environ.get("WORKBOOK_MAIL_DELAY")', []),
], ids=["get", "getenv", "subscript", "in", "by a constant", "by another module's constant",
        "set", "set by a constant", "setenv", "delenv", "child env", "another variable"])
def test_a_read_of_workbook_target_is_told_from_a_write(source, reads):
    tree = ast.parse(source)
    assert reads_of_target(tree, frozenset({"NAME"} | names_for_target(tree))) == reads
