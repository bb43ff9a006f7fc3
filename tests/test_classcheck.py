"""The class-checking command: one solved copy, one untouched, one half-right."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest

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
    assert ada["done"] == "16/16" and set(ada.values()) == {"✅", "16/16"}
    assert bo["done"] == "0/16" and bo["01a"] == "⏳"
    assert cy["01a"] == "✅" and cy["05a"] == "❌ 1/2" and cy["02a"] == "⏳"
    assert cy["done"] == "1/16"
    suites = [s.get("name") for s in ElementTree.parse(junit).getroot().iter("testsuite")]
    assert suites == ["ada", "bo", "cy"]


def test_a_missing_folder_is_named():
    result = subprocess.run([sys.executable, "-m", "workbook.classcheck", "/no/such/student"],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 2 and "No such folder: /no/such/student" in result.stderr
