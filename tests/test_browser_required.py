"""CI cannot pass without its browser tests or its tools: WORKBOOK_REQUIRE_BROWSER=1 turns the
browser tests' skips into failures, whatever caused them, and WORKBOOK_REQUIRE_TOOLS=1 those of
the tests marked ``tool`` (make, actionlint, the .venv), with the skip's one sentence on what to
install. Run in this process with pytester, Playwright made unimportable.
"""

from __future__ import annotations

import os
import sys

import pytest

pytest_plugins = ["pytester"]

BROWSER_TESTS = '''
import pytest


def test_asks_for_the_browser(browser):
    pass


@pytest.mark.browser
def test_skips_itself():
    pytest.skip("no display today")


def test_an_ordinary_skip():
    pytest.skip("not a browser test")
'''


TOOL_TESTS = '''
import pytest

MISSING = "make is missing: install it with your system's packages (apt-get install make)"


@pytest.mark.tool("make")
def test_skips_in_its_body():
    pytest.skip(MISSING)


@pytest.mark.tool("make")
@pytest.mark.skipif(True, reason=MISSING)
def test_skipped_by_a_skipif():
    pass


def test_an_ordinary_skip():
    pytest.skip("not a tool test")
'''


def _run_inner(pytester, monkeypatch, request, tests: str):
    # The inner run's pytest_configure sets these again: keep ours.
    for name in ("WORKBOOK_TARGET", "PYTHONPATH"):
        monkeypatch.setenv(name, os.environ.get(name, ""))
    pytester.makeconftest('pytest_plugins = ["tests.conftest"]\n')
    pytester.makepyfile(test_inner=tests)
    return pytester.runpytest("-p", "no:cacheprovider",
                              f"--target={request.config.getoption('--target')}")


@pytest.mark.parametrize(("required", "outcomes"), [
    ("", {"skipped": 3}),
    ("1", {"errors": 1, "failed": 1, "skipped": 1}),
], ids=["skip without the setting", "fail with WORKBOOK_REQUIRE_TOOLS=1"])
def test_tool_skips_fail_only_when_required(pytester, monkeypatch, request, required,
                                            outcomes):
    monkeypatch.setenv("WORKBOOK_REQUIRE_TOOLS", required)
    result = _run_inner(pytester, monkeypatch, request, TOOL_TESTS)
    result.assert_outcomes(**outcomes)
    if required:
        # A skipif skips in setup (an error); pytest.skip in the body (a failure).
        result.stdout.fnmatch_lines([
            "make is missing: install it with your system's packages (apt-get install make), "
            "since WORKBOOK_REQUIRE_TOOLS=1 does not let *test_skipped_by_a_skipif skip.",
            "make is missing: install it with your system's packages (apt-get install make), "
            "since WORKBOOK_REQUIRE_TOOLS=1 does not let *test_skips_in_its_body skip.",
        ])


@pytest.mark.parametrize(("required", "outcomes"), [
    ("", {"skipped": 3}),
    ("1", {"errors": 1, "failed": 1, "skipped": 1}),
], ids=["skip without the setting", "fail with WORKBOOK_REQUIRE_BROWSER=1"])
def test_browser_skips_fail_only_when_required(pytester, monkeypatch, request, required,
                                               outcomes):
    monkeypatch.setitem(sys.modules, "playwright", None)  # import playwright... fails
    monkeypatch.setitem(sys.modules, "playwright.sync_api", None)
    monkeypatch.setenv("WORKBOOK_REQUIRE_BROWSER", required)
    result = _run_inner(pytester, monkeypatch, request, BROWSER_TESTS)
    result.assert_outcomes(**outcomes)
    if required:
        result.stdout.fnmatch_lines(["*Playwright is not installed*WORKBOOK_REQUIRE_BROWSER=1*"])
