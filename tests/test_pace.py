"""The notebook helpers hold at a person's pace: waits read what lasts, reruns do no harm.

Real redis-server, real ``rq worker`` processes and a real app over HTTP, as in the notebooks.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from rq import Worker

from mailer_app import db, mail
from workbook import PROJECT_ROOT, demo_jobs
from workbook.checks import hint_text
from workbook.demo_jobs import get_queue
from workbook.http import get, post
from workbook.kernels import AsyncIpcKernelManager
from workbook.notebook import Workbench
from workbook.pace import WaitedTooLong
from workbook.processes import free_port, start_process, wait_until

pytestmark = pytest.mark.slow


@pytest.fixture
def lab(monkeypatch):
    monkeypatch.delenv("WORKBOOK_START_PROCESSES", raising=False)
    workbench = Workbench(persistence="none")
    yield workbench
    workbench.close()


def test_without_the_setting_the_notebook_waits_for_the_students_worker(lab, capsys):
    with pytest.raises(WaitedTooLong) as waited:
        lab.ensure_worker(["mailers"], timeout=1)
    assert lab.processes == [], "nothing may be started for the student"
    assert "Waiting for your rq worker on mailers" in capsys.readouterr().out
    # IPython shows this one line instead of a traceback.
    [line] = waited.value._render_traceback_()
    assert "No rq worker listened on mailers" in line and "run this cell again" in line


def test_with_the_setting_the_notebook_starts_it_and_says_so(lab, monkeypatch):
    monkeypatch.setenv("WORKBOOK_START_PROCESSES", "1")
    said = lab.ensure_worker(["mailers"])
    assert "started one itself" in said and len(lab.processes) == 1
    assert lab.students_processes() == [], "the notebook's own worker is not the student's"
    assert lab.ensure_worker(["mailers"]) == "The worker this notebook started is listening."
    assert len(lab.processes) == 1


def test_a_cell_that_starts_a_worker_run_twice_keeps_one_worker(lab):
    first = lab.worker(["default"], with_scheduler=False)
    assert lab.worker(["default"], with_scheduler=False) is first
    assert Worker.count(connection=lab.connection()) == 1
    first.stop()
    second = lab.worker(["default"], with_scheduler=False)  # the old one is gone: a new one
    assert second is not first and second.running()


def test_a_wait_for_started_accepts_a_job_that_already_finished(lab):
    job = get_queue("default", lab.connection()).enqueue(demo_jobs.add, 1, 2, job_id="quick")
    lab.worker(["default"], with_scheduler=False)
    wait_until(lambda: job.get_status(refresh=True) == "finished", 30)
    assert lab.wait_for_status(job, "started", timeout=1) == "finished"


def test_reset_keeps_a_running_workers_registration(lab):
    lab.worker(["mailers"], with_scheduler=False)
    lab.connection().set("leftover", 1)
    lab.reset()
    assert lab.connection().get("leftover") is None
    assert lab.listening_worker(["mailers"]) is not None


def test_the_welcome_wait_reads_the_database_not_the_cells_clock(lab):
    conn = db.connect(lab.env["DATABASE"])
    try:
        conn.execute("INSERT INTO users (name, email, created_at, welcome_sent_at) VALUES "
                     "('Ada', 'ada@example.com', '2026-11-30T09:00:00.000+00:00', "
                     "'2026-11-30T09:00:30.250+00:00')")
    finally:
        conn.close()
    # Whenever this runs (minutes or months later), the figure is the one the rows record.
    assert lab.wait_for_welcome("ada@example.com", timeout=1) == pytest.approx(30.25)
    lab.forget_user("ada@example.com")
    assert lab.user("ada@example.com") is None


def test_a_signup_cell_run_again_signs_up_afresh_and_says_so(lab, capsys):
    lab.forget_signups("ada@example.com")
    assert capsys.readouterr().out == "", "a first run has nothing to undo, and says nothing"
    with db.connection(lab.env["DATABASE"]) as conn:
        for name, email in (("Ada Lovelace", "ada@example.com"), ("Grace", "grace@example.com")):
            db.insert_user(conn, name, email)
            mail.write_to_outbox(mail.build_message("welcome", email, "f@example.com",
                                                    name=name, email=email, queued=False),
                                 lab.outbox)
    lab.forget_signups("ada@example.com")
    assert capsys.readouterr().out.startswith("An earlier run signed up ada@example.com: removed")
    assert lab.user("ada@example.com") is None and lab.user("grace@example.com") is not None
    assert [m["to"] for m in lab.emails()] == ["Grace <grace@example.com>"]
    assert sorted(p.suffix for p in lab.outbox.iterdir()) == [".eml", ".html"]


def test_a_fixed_job_id_run_again_leaves_no_first_run_in_the_registries(lab, capsys):
    queue = get_queue("default", lab.connection())
    worker = lab.worker(["default"], with_scheduler=False)
    job = queue.enqueue(demo_jobs.sleep_for, 30, job_id="orphan")
    wait_until(lambda: job.get_status(refresh=True) == "started", 30)
    worker.kill_all()  # as notebook 07 does: the job stays in the started registry
    lab.forget_jobs("orphan", "never-enqueued")
    assert capsys.readouterr().out.startswith("An earlier run left the job orphan: deleted")
    assert queue.started_job_registry.get_job_ids(cleanup=False) == []
    assert not lab.connection().exists("rq:job:orphan")


def test_the_email_preview_is_sandboxed(lab):
    msg = mail.build_message("welcome", "ada@example.com", "from@example.com", name="Ada",
                             email="ada@example.com", queued=True)
    mail.write_to_outbox(msg, lab.outbox)
    assert '<iframe sandbox="" srcdoc=' in lab.show_newest_email().data


NOTEBOOKS = sorted((PROJECT_ROOT / "notebooks").glob("[0-9]*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.stem[:2] for path in NOTEBOOKS])
def test_hint_works_in_a_fresh_kernel_of_every_notebook(path):
    """Run the notebook's cells up to its first workbook import, then type hint() alone."""
    nb = nbformat.read(path, as_version=4)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    upto = next(i for i, cell in enumerate(code) if "workbook" in cell.source)
    tried = nbformat.v4.new_code_cell('hint("03a", 2)')
    closing = nbformat.v4.new_code_cell("if 'lab' in dir(): lab.close()")
    nb.cells = code[: upto + 1] + [tried, closing]
    client = NotebookClient(nb, timeout=120, kernel_name="python3",
                            kernel_manager_class=AsyncIpcKernelManager,
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    text = "".join(output.get("text", "") for output in tried.outputs)
    assert text.strip() == hint_text("03a", 2).strip(), text


def test_the_app_the_student_starts_from_the_printed_command_is_used(lab, tmp_path, capsys):
    port = lab.app_port
    assert lab.app_port == port, "a cell run again must print the same port"
    command = lab.web_terminal_command(port, MAIL_DELIVERY="queued")
    assert command.startswith("DATABASE=") and " flask --app mailer_app run " in command
    with pytest.raises(WaitedTooLong):  # nobody started it yet: one sentence, no traceback
        lab.ensure_web(port, timeout=1)
    terminal = start_process(["bash", "-c", command], name="terminal",
                             env={"PATH": f"{Path(sys.executable).parent}{os.pathsep}"
                                          f"{os.environ['PATH']}"}, log_dir=tmp_path)
    try:
        base = lab.ensure_web(port, timeout=60)
        assert "Using the app you started in a terminal" in capsys.readouterr().out
        status, body, _ = post(base, "/users", {"name": "Ada", "email": "ada@example.com"})
        assert status == 201 and body["job_id"] == "welcome-1", body  # queued, as printed
        assert lab.user("ada@example.com") is not None, "the app wrote to the notebook's database"
        assert lab.students_processes() == ["app"]
        assert lab.close().endswith("Stop your own app with Ctrl+C in their terminals.")
    finally:
        terminal.stop()


def test_with_the_setting_the_notebook_starts_the_app_itself(lab, monkeypatch, capsys):
    monkeypatch.setenv("WORKBOOK_START_PROCESSES", "1")
    base = lab.ensure_web(free_port(), MAIL_DELIVERY="queued")
    assert "started it itself" in capsys.readouterr().out
    assert get(base, "/users/new")[0] == 200
