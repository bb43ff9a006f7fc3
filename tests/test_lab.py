"""JupyterLab started as ``make lab`` starts it, opened in a real Chromium, as a student would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ARTIFACTS, LAB_TOKEN, jupyter_lab
from workbook.lab import FIRST_NOTEBOOK, lab_command, terminal_shell


def test_no_display_means_no_browser_and_the_url_is_printed(monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr("sys.platform", "linux")
    assert "--no-browser" in lab_command()
    monkeypatch.setenv("DISPLAY", ":0")
    assert "--no-browser" not in lab_command()


def test_root_may_run_it_and_the_news_prompt_is_off(monkeypatch):
    monkeypatch.setattr("os.geteuid", lambda: 0)
    cmd = lab_command()
    assert "--allow-root" in cmd and "--LabApp.news_url=None" in cmd
    assert f"--LabApp.default_url=/lab/tree/{FIRST_NOTEBOOK}" in cmd


@pytest.fixture
def lab_url(tmp_path):
    with jupyter_lab(tmp_path) as url:
        yield url


#: The config section JupyterLab's announcements plugin loads before it decides on the prompt.
ANNOUNCEMENTS_CONFIG = "/api/config/jupyterlabapputilsextensionannouncements"


def test_make_lab_runs_headless_and_opens_on_the_first_notebook(lab_url, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    # The announcements plugin (JupyterLab 4) waits for three things, then at once either shows
    # the news prompt or not: the app restored (the splash screen goes), the notification
    # settings (loaded at start-up), and this config section. Once all three are seen, the
    # decision has been taken, so the prompt's absence below means it, whenever it would come.
    # Control, run by hand with fetchNews "none": these waits saw the prompt in 3 runs of 3.
    with page.expect_response(lambda r: ANNOUNCEMENTS_CONFIG in r.url, timeout=60_000):
        page.goto(f"{lab_url}/?token={LAB_TOKEN}")  # where the printed URL leads
    page.locator("#jupyterlab-splash").wait_for(state="detached", timeout=60_000)
    page.locator(".jp-RenderedMarkdown h1", has_text="Welcome to the workbook").wait_for(
        timeout=60_000)
    page.get_by_text("Python 3 (ipykernel) | Idle").first.wait_for(timeout=60_000)
    # A notification is drawn by React in the frames after it is emitted: let two frames pass.
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    page.screenshot(path=str(ARTIFACTS / "lab-first-notebook.png"))
    assert page.get_by_text("official Jupyter news").count() == 0, "the news prompt covers it"
    crumbs = page.locator(".jp-BreadCrumbs").first.inner_text()
    assert "notebooks" in crumbs, f"the file browser's root is not the workbook ({crumbs!r})"
    page.close()


def test_a_terminal_finds_this_environments_commands_even_after_a_bashrc_that_shadows_them(
        tmp_path, monkeypatch):
    # pyenv's and conda's ~/.bashrc put their own bin/ first: a `flask` without rq_dashboard.
    shadow = tmp_path / "shadow"
    shadow.mkdir()
    (shadow / "flask").write_text("#!/bin/sh\necho shadowed\n")
    (shadow / "flask").chmod(0o755)
    (tmp_path / ".bashrc").write_text(f'export PATH="{shadow}:$PATH"\n')
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("SHELL", "/bin/bash")
    shell = terminal_shell()
    found = subprocess.run([*shell, "-c", "command -v flask"], capture_output=True, text=True,
                           env={**os.environ, "PATH": "/usr/bin:/bin"}, timeout=30)
    assert found.stdout.strip() == str(Path(sys.executable).parent / "flask"), found
