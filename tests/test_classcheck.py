"""The class-checking command and ``check()``: solved, untouched, half-right and broken files."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest

from workbook.checks import check, run_check

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_a_class_of_three_gets_a_correct_summary(tmp_path):
    solved, untouched, halfway = (tmp_path / n for n in ("ada", "bo", "cy"))
    shutil.copytree(ROOT / "solutions", solved)
    (untouched / "exercises").mkdir(parents=True)  # a whole clone: its exercises/ is used
    for stub in (ROOT / "exercises").glob("ex*.py"):
        shutil.copy(stub, untouched / "exercises")
    shutil.copytree(ROOT / "exercises", halfway)
    shutil.copy(ROOT / "solutions" / "ex01a_list_queue.py", halfway)
    wrong = (ROOT / "solutions" / "ex05a_route.py").read_text().replace(
        'routes.get(kind, "default")', 'routes.get(kind, "low")')
    (halfway / "ex05a_route.py").write_text(wrong)

    junit = tmp_path / "class.xml"
    result = subprocess.run(
        [sys.executable, "-m", "workbook.classcheck", str(solved), str(untouched), str(halfway),
         "--junit", str(junit)], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert result.returncode == 0, result.stderr
    rows = {line.split("|")[1].strip(): [c.strip() for c in line.split("|")[2:-1]]
            for line in result.stdout.splitlines() if line.startswith("| ") and "---" not in line}
    header = rows.pop("student")
    ada, bo, cy = (dict(zip(header, rows[name], strict=True)) for name in ("ada", "bo", "cy"))
    assert ada["done"] == "17/17" and set(ada.values()) == {"✅", "17/17"}
    assert bo["done"] == "0/17" and bo["01a"] == "⏳"
    assert cy["01a"] == "✅" and cy["02a"] == "⏳"
    # The wrong route passes some of 05a's behaviours, not all (how many 05a has may grow).
    passed, total = map(int, re.fullmatch(r"❌ (\d+)/(\d+)", cy["05a"]).groups())
    assert 1 <= passed < total, cy["05a"]
    assert cy["done"] == "1/17"
    suites = [s.get("name") for s in ElementTree.parse(junit).getroot().iter("testsuite")]
    assert suites == ["ada", "bo", "cy"]


def test_a_missing_folder_is_named():
    result = subprocess.run([sys.executable, "-m", "workbook.classcheck", "/no/such/student"],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 2 and "No such folder: /no/such/student" in result.stderr


BROKEN = [
    ("def enqueue_welcome(user_id, connection)\n    return None\n",
     "ex03a_enqueue.py does not run: SyntaxError on line 1: expected ':'"),
    ('"""A student\'s file."""\n\nimport mailer_app.no_such_module\n',
     "ex03a_enqueue.py does not run: ModuleNotFoundError on line 3: No module named "
     "'mailer_app.no_such_module'"),
    ("from mailer_app.queues import get_queue\n\nqueue = get_queue(mailers)\n",
     "ex03a_enqueue.py does not run: NameError on line 3: name 'mailers' is not defined"),
]


@pytest.mark.parametrize(("source", "message"), BROKEN)
def test_check_says_a_file_that_does_not_import_does_not_run(tmp_path, monkeypatch, capsys,
                                                             source, message):
    (tmp_path / "ex03a_enqueue.py").write_text(source)
    monkeypatch.setenv("WORKBOOK_TARGET", str(tmp_path))  # what a notebook kernel inherits
    check("03a")
    out = capsys.readouterr().out
    assert out == f"❌ {tmp_path}/{message}\n"
    assert "not started" not in out and "0 of 0" not in out


def test_check_says_when_pytest_itself_could_not_run(tmp_path):
    verdict = str(run_check("03a", target=str(tmp_path / "missing")))
    assert verdict.startswith("❌ The checks of 03a did not run (pytest stopped with exit status 4")
    assert "no such folder" in verdict and len(verdict.splitlines()) == 1


@pytest.mark.slow
def test_the_class_check_names_a_file_that_does_not_import(tmp_path):
    student = tmp_path / "dee"
    shutil.copytree(ROOT / "solutions", student)
    (student / "ex03a_enqueue.py").write_text(BROKEN[0][0])
    result = subprocess.run([sys.executable, "-m", "workbook.classcheck", str(student)],
                            capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert result.returncode == 0, result.stderr
    [row] = [line for line in result.stdout.splitlines() if line.startswith("| dee ")]
    cells = [c.strip() for c in row.split("|")[2:-1]]
    # The other sixteen are still checked: one broken file does not stop the run.
    assert cells.count("✅") == 16 and cells[4] == "❌ does not run" and cells[-1] == "16/17"
    assert f"❌ dee: {student}/{BROKEN[0][1]}" in result.stdout.splitlines()
