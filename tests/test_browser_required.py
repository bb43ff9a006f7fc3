"""CI cannot pass without its browser tests: WORKBOOK_REQUIRE_BROWSER=1 turns their skips into
failures, whatever caused them. Run in this process with pytester, Playwright made unimportable.
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


@pytest.mark.parametrize(("required", "outcomes"), [
    ("", {"skipped": 3}),
    ("1", {"errors": 1, "failed": 1, "skipped": 1}),
], ids=["skip without the setting", "fail with WORKBOOK_REQUIRE_BROWSER=1"])
def test_browser_skips_fail_only_when_required(pytester, monkeypatch, request, required,
                                               outcomes):
    monkeypatch.setitem(sys.modules, "playwright", None)  # import playwright... fails
    monkeypatch.setitem(sys.modules, "playwright.sync_api", None)
    monkeypatch.setenv("WORKBOOK_REQUIRE_BROWSER", required)
    # The inner run's pytest_configure sets these again: keep ours.
    for name in ("WORKBOOK_TARGET", "PYTHONPATH"):
        monkeypatch.setenv(name, os.environ.get(name, ""))
    pytester.makeconftest('pytest_plugins = ["tests.conftest"]\n')
    pytester.makepyfile(test_browser_things=BROWSER_TESTS)
    result = pytester.runpytest("-p", "no:cacheprovider",
                                f"--target={request.config.getoption('--target')}")
    result.assert_outcomes(**outcomes)
    if required:
        result.stdout.fnmatch_lines(["*Playwright is not installed*WORKBOOK_REQUIRE_BROWSER=1*"])
