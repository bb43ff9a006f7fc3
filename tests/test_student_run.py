"""A student's run: every notebook run through JupyterLab's own UI, in Chromium.

nbval runs the notebooks in a bare kernel; students run them in JupyterLab, where widgets are
drawn by the front end and links are followed in a browser. This test starts JupyterLab with
``make lab``'s command line, untouched exercises and the 30 s mail server, and for each notebook
runs every cell but the last (``lab.close()``) with JupyterLab's "Run All Above", checks that no
cell failed and that widgets rendered, then runs the last cell. In notebook 03 it takes the
student's route: when the notebook prints the ``rq worker`` command and waits, it lets half a
minute pass, opens a terminal in JupyterLab, types the command there, and checks that the
notebook used that worker (``WORKBOOK_START_PROCESSES`` is not set: nothing starts it for
the student). At the end it stops the worker with Ctrl+C, as a student does. In notebook 04 it
follows the dashboard link through the Jupyter server's proxy. Screenshots go to
test-artifacts/.

It takes about as long as the notebooks (8 minutes); ``make test`` runs it beside nbval.
"""

from __future__ import annotations

import re
import shutil
import time

import pytest
from rq import Worker

from mailer_app.redis_client import connect
from tests.helpers import ARTIFACTS, LAB_TOKEN, jupyter_lab
from workbook import PROJECT_ROOT
from workbook.processes import port_open
from workbook.terminals import PRINTED_COMMAND

NOTEBOOKS = sorted(path.name for path in (PROJECT_ROOT / "notebooks").glob("[0-9]*.ipynb"))
#: The state of the notebook in the current tab, read from JupyterLab's own model.
STATE_JS = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  if (!panel || !panel.sessionContext || !panel.content.model) return null;
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  const cells = panel.content.model.cells;
  const code = [];
  for (let i = 0; i < cells.length; i++) {
    const cell = cells.get(i);
    if (cell.type !== 'code') continue;
    const outputs = cell.outputs.toJSON();
    code.push({index: i, count: cell.executionCount,
               closes: cell.sharedModel.getSource().includes('lab.close()'),
               source: cell.sharedModel.getSource(),
               text: outputs.map(o => [].concat(o.text || []).join('')).join(''),
               errors: outputs.filter(o => o.output_type === 'error')
                              .map(o => o.ename + ': ' + o.evalue)});
  }
  return {kernel: kernel ? kernel.status : null, cells: cells.length, code: code,
          running: document.querySelectorAll('.jp-Notebook .jp-InputPrompt').length > 0 &&
                   [...document.querySelectorAll('.jp-Notebook .jp-InputPrompt')]
                     .some(p => p.textContent.includes('*'))};
}"""
#: Run a JupyterLab command with cell ``index`` selected, as a student's click would.
RUN_AT = """([index, command]) => {
  const panel = window.jupyterapp.shell.currentWidget;
  panel.content.activeCellIndex = index;
  window.jupyterapp.commands.execute(command);
}"""
#: Notebooks whose widgets must be drawn by the front end: a progress bar, the live monitor.
WIDGETS = {"00": ".widget-hprogress", "03": ".widget-hprogress",
           "04": ".jupyter-widgets.widget-html"}


@pytest.fixture(scope="module")
def student_lab(tmp_path_factory):
    """JupyterLab as ``make lab`` starts it, over a copy of the notebooks, in a student's state.

    A copy, because JupyterLab may save what it runs, and the committed notebooks must stay a
    first run. The exercises are the project's own (untouched in a fresh clone).
    """
    root = tmp_path_factory.mktemp("student")
    shutil.copytree(PROJECT_ROOT / "notebooks", root / "notebooks",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    student = {"WORKBOOK_TARGET": "exercises", "PYTHONPATH": "", "WORKBOOK_MAIL_DELAY": "30"}
    with jupyter_lab(root / "logs", env=student, root_dir=root,
                     extra=["--LabApp.expose_app_in_browser=True",
                            f"--LabApp.workspaces_dir={root / 'workspaces'}"]) as url:
        yield url


def wait_for_run(page, expected: int, timeout: float, while_running=None) -> dict:
    """Poll JupyterLab until ``expected`` code cells have run and the kernel is idle."""
    deadline = time.monotonic() + timeout
    while True:
        state = page.evaluate(STATE_JS)
        ran = [cell for cell in state["code"] if cell["count"] is not None]
        errors = [cell for cell in state["code"] if cell["errors"]]
        if errors or (len(ran) >= expected and state["kernel"] == "idle"
                      and not state["running"]):
            return state
        if time.monotonic() > deadline:
            raise AssertionError(f"only {len(ran)} of {expected} code cells ran in {timeout} s")
        if while_running is not None:
            while_running()
        page.wait_for_timeout(500)


def open_notebook(page, lab: str, name: str) -> None:
    page.goto(f"{lab}/lab/tree/notebooks/{name}?reset&token={LAB_TOKEN}")
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
                           " && window.jupyterapp.shell.currentWidget.sessionContext"
                           " && window.jupyterapp.shell.currentWidget.sessionContext.session"
                           " && window.jupyterapp.shell.currentWidget.sessionContext.session"
                           ".kernel && window.jupyterapp.shell.currentWidget.sessionContext"
                           ".session.kernel.status === 'idle'", timeout=90_000)


#: How long the student reads, opens a terminal and pastes, after the command is printed.
STUDENT_TYPES_AFTER = 30


def type_in_a_terminal(page, command: str, shot: str) -> str:
    """Open a JupyterLab terminal, type ``command`` and Enter; return the terminal's name."""
    notebook = page.evaluate("() => window.jupyterapp.shell.currentWidget.id")
    name = page.evaluate("""async () => {
      const widget = await window.jupyterapp.commands.execute('terminal:create-new');
      window.studentTerminal = widget;
      return widget.content.session.name;
    }""")
    # The terminal's connection to its shell is up, and the shell has drawn its prompt.
    page.wait_for_function("() => window.studentTerminal.content.session.connectionStatus"
                           " === 'connected'", timeout=30_000)
    page.wait_for_timeout(2000)
    page.locator(".jp-Terminal .xterm-helper-textarea").last.focus()
    page.keyboard.type(command)
    page.keyboard.press("Enter")
    screenshot(page, shot)
    page.evaluate("(id) => window.jupyterapp.shell.activateById(id)", notebook)
    return name


def stop_in_the_terminal(page, name: str, gone) -> None:
    """Ctrl+C in terminal ``name`` (a warm shutdown), wait until ``gone()``, then close it."""
    notebook = page.evaluate("() => window.jupyterapp.shell.currentWidget.id")
    page.evaluate("""(name) => {
      const terminal = [...window.jupyterapp.shell.widgets('main')]
        .find(w => w.content && w.content.session && w.content.session.name === name);
      window.jupyterapp.shell.activateById(terminal.id);
    }""", name)
    page.locator(".jp-Terminal .xterm-helper-textarea").last.focus()
    page.keyboard.press("Control+C")
    deadline = time.monotonic() + 60
    while not gone() and time.monotonic() < deadline:
        page.wait_for_timeout(500)
    assert gone(), f"what terminal {name} ran did not stop on Ctrl+C"
    # Shutting the terminal down ends its shell (the same as closing the tab and its session).
    page.evaluate("""async (name) => {
      await window.jupyterapp.serviceManager.terminals.shutdown(name);
    }""", name)
    page.evaluate("(id) => window.jupyterapp.shell.activateById(id)", notebook)


def stopped(command: str):
    """A check that what ``command`` started (an rq worker, or the app on a port) is gone."""
    if " rq worker " in f" {command}":
        conn = connect(re.search(r"--url (\S+)", command).group(1))
        return lambda: Worker.count(connection=conn) == 0
    port = int(re.search(r"--port (\d+)", command).group(1))
    return lambda: not port_open(port)


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"student-{name}.png"))


def open_dashboard_through_the_proxy(context, page) -> None:
    """Follow notebook 04's dashboard link to a job, as a student clicks it."""
    link = page.locator(".jp-OutputArea-output a[href*='/proxy/'][href$='/rq/']").first
    link.scroll_into_view_if_needed()
    with context.expect_page() as opened:
        link.click()
    dashboard = opened.value
    dashboard.wait_for_load_state()
    assert "/proxy/" in dashboard.url, f"the link did not go through the proxy: {dashboard.url}"
    # The queue table, then its failed-jobs count for "default" (04 leaves doomed and typo).
    row = dashboard.locator("tr", has=dashboard.get_by_text("default", exact=True)).first
    row.wait_for(timeout=30_000)
    row.locator("td.failed a").first.click()
    dashboard.get_by_text("doomed").first.wait_for(timeout=30_000)
    assert "/proxy/" in dashboard.url and "failed" in dashboard.url
    # Its Requeue button POSTs through the proxy: a same-site POST, which the guard lets in.
    dashboard.on("dialog", lambda dialog: dialog.accept())
    with dashboard.expect_response(lambda answer: "/requeue" in answer.url) as requeue:
        dashboard.locator("[data-role=requeue-job-btn]").first.click()
    assert requeue.value.status == 200, f"Requeue answered {requeue.value.status}"
    dashboard.screenshot(path=str(ARTIFACTS / "student-04-dashboard-through-proxy.png"))
    dashboard.close()


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.student_run
# Last notebook first: make test runs this beside nbval, which goes first to last, so the two
# runs measure throughput (08, 09) at different times, not on the same two cores at once.
@pytest.mark.parametrize("name", NOTEBOOKS[::-1])
def test_a_student_runs_the_notebook_in_jupyterlab(student_lab, browser, name):
    number = name[:2]
    context = browser.new_context(viewport={"width": 1280, "height": 1000},
                                  http_credentials={"username": "admin", "password": "workbook"})
    page = context.new_page()
    try:
        open_notebook(page, student_lab, name)
        state = page.evaluate(STATE_JS)
        # Everything up to the clean-up cell (lab.close()), which stops the app we visit.
        close = next((cell["index"] for cell in state["code"] if cell["closes"]), None)
        if close is None:
            above = state["code"]
            page.evaluate(RUN_AT, [0, "notebook:run-all-cells"])
        else:
            above = [cell for cell in state["code"] if cell["index"] < close]
            page.evaluate(RUN_AT, [close, "notebook:run-all-above"])

        shot = {}
        terminals: dict[str, dict] = {}  # printed command -> when seen, terminal name

        def student_types_the_commands():
            # Notebook 03 prints the commands for the app and the worker, then waits for each:
            # half a minute after a command appears, the "student" types it into a terminal
            # of its own in JupyterLab.
            for cell in page.evaluate(STATE_JS)["code"]:
                for command in PRINTED_COMMAND.findall(cell["text"]):
                    typed = terminals.setdefault(command, {"seen": time.monotonic()})
                    if "name" not in typed and \
                            time.monotonic() - typed["seen"] >= STUDENT_TYPES_AFTER:
                        what = "worker" if " rq worker " in command else "app"
                        typed["name"] = type_in_a_terminal(page, command, f"03-terminal-{what}")

        def mid_wait():
            # Notebook 03 while the student watches the email wait on the 30 s mail server:
            # the waiting cell is running ([*]) and its new progress bar is drawn.
            if number != "03" or "taken" in shot:
                return
            student_types_the_commands()
            waiting = page.locator(".jp-CodeCell", has_text="FloatProgress").first
            bar = waiting.locator(".widget-hprogress")
            if "[*]" in (waiting.locator(".jp-InputPrompt").text_content() or "") and bar.count():
                # A few seconds into the 30 s wait, so the bar shows some of it filled.
                seen = shot.setdefault("bar seen", time.monotonic())
                if time.monotonic() - seen >= 6:
                    bar.first.scroll_into_view_if_needed()
                    page.wait_for_timeout(1000)  # JupyterLab draws the cells scrolled to
                    screenshot(page, "03-mid-wait")
                    shot["taken"] = True

        state = wait_for_run(page, len(above), timeout=600, while_running=mid_wait)
        failed = [f"cell {cell['index']}: {cell['errors']}" for cell in state["code"]
                  if cell["errors"]]
        assert not failed, f"{name}: a cell failed in JupyterLab: {failed}"
        text = page.locator(".jp-Notebook").text_content() or ""
        assert "Error displaying widget" not in text and "Loading widget" not in text
        if number in WIDGETS:
            assert page.locator(WIDGETS[number]).count() > 0, f"{name}: no widget was drawn"
        if number == "03":
            assert "taken" in shot, "notebook 03 never showed its progress bar while waiting"
            assert any(" rq worker " in c and "name" in t for c, t in terminals.items()), \
                "notebook 03 never printed the rq worker command"
            for call in ("ensure_worker", "ensure_web"):
                used = [cell["text"] for cell in state["code"] if call in cell["source"]]
                assert all("you started in a terminal" in text for text in used), \
                    f"notebook 03 did not use the terminal's process: {used}"
            for command, typed in terminals.items():
                stop_in_the_terminal(page, typed["name"], stopped(command))
        if number == "04":
            open_dashboard_through_the_proxy(context, page)
        screenshot(page, number)

        if close is not None:
            page.evaluate(RUN_AT, [close, "notebook:run-cell"])
            state = wait_for_run(page, len(above) + 1, timeout=120)
            assert not any(cell["errors"] for cell in state["code"]), f"{name}: close failed"
            [closing] = [cell for cell in state["code"] if cell["index"] == close]
            assert "Stopped" in closing["text"], f"{name}: {closing['text']!r}"
        page.evaluate("() => window.jupyterapp.shell.currentWidget.sessionContext.shutdown()")
    except BaseException:
        screenshot(page, f"{number}-failed")
        raise
    finally:
        context.close()
