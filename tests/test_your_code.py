"""Notebook 03's "your code" cell: a student's delivery function, judged before the app runs it."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from rq import Worker

from mailer_app import mail
from workbook import your_code
from workbook.notebook import Workbench
from workbook.processes import start_process, wait_until

SOLUTION = '''
from mailer_app import jobs
from mailer_app.queues import get_queue

def enqueue_welcome(user_id, connection):
    return get_queue("mailers", connection).enqueue(
        jobs.send_welcome_email, user_id, job_id=f"welcome-{user_id}")
'''

ANOTHER_SPELLING = '''
from rq import Queue
from rq.serializers import JSONSerializer
from mailer_app.jobs import send_welcome_email
from mailer_app.queues import AllowlistJob

def enqueue_welcome(user_id, connection):
    queue = Queue("mailers", connection=connection, serializer=JSONSerializer,
                  job_class=AllowlistJob)
    return queue.enqueue_call(send_welcome_email, args=(user_id,), job_id=f"welcome-{user_id}")
'''

MISTAKES = [
    ("def enqueue_welcome(user_id, connection):\n    raise NotImplementedError('stub')\n",
     "Not started yet: open exercises/ex03a_enqueue.py"),
    (SOLUTION.replace('get_queue("mailers"', 'get_queue("default"'),
     "went to the 'default' queue, which the worker started here does not watch"),
    ("from mailer_app import jobs\n\ndef enqueue_welcome(user_id, connection):\n"
     "    return jobs.send_welcome_email(user_id)\n", "called the job function itself"),
    ("def enqueue_welcome(user_id, connection):\n    return None\n", "No job was enqueued"),
    (SOLUTION.replace(', job_id=f"welcome-{user_id}"', ""), "use welcome-<user_id>"),
    (SOLUTION.replace("jobs.send_welcome_email, user_id", "jobs.send_welcome_email, [user_id]"),
     "needs the user's id alone"),
    (SOLUTION.replace("    return get_queue", "    get_queue"), "must return the job it enqueued"),
]


@pytest.fixture
def lab(monkeypatch, tmp_path):
    monkeypatch.setenv("WORKBOOK_TARGET", str(tmp_path))
    workbench = Workbench(persistence="none")
    yield workbench
    workbench.close()


def _write(tmp_path, source):
    (tmp_path / "ex03a_enqueue.py").write_text(source)


@pytest.mark.parametrize(("source", "message"), MISTAKES)
def test_a_mistake_gets_one_plain_sentence_and_no_app(lab, tmp_path, capsys, source, message):
    _write(tmp_path, source)
    assert your_code.run_your_delivery(lab, "ex03a_enqueue:enqueue_welcome",
                                       {"name": "Ada", "email": "ada@example.com"}, 0) is None
    out = capsys.readouterr().out
    assert message in out and "Traceback" not in out and len(out.strip().splitlines()) == 1
    assert lab.processes == [] and mail.list_outbox(lab.outbox) == []


@pytest.mark.slow
@pytest.mark.parametrize("source", [SOLUTION, ANOTHER_SPELLING])
def test_a_right_answer_runs_in_the_real_app_and_a_worker_sends(lab, tmp_path, source,
                                                                 monkeypatch):
    monkeypatch.setenv("WORKBOOK_START_PROCESSES", "1")  # no terminal here: start it
    _write(tmp_path, source)
    print(lab.ensure_worker(["mailers"]))
    measured = your_code.run_your_delivery(lab, "ex03a_enqueue:enqueue_welcome",
                                           {"name": "Ada", "email": "ada@example.com"}, 0)
    assert measured["job_id"] == "welcome-1"
    assert [m["to"] for m in mail.list_outbox(lab.outbox)] == ["Ada <ada@example.com>"]


@pytest.mark.slow
def test_the_printed_command_runs_in_a_terminal_and_the_notebook_uses_that_worker(lab, tmp_path):
    command = lab.terminal_command(["mailers"], {"MAIL_DELAY_SECONDS": "0"})
    # What a JupyterLab terminal started by `make lab` has: the environment's bin/ on PATH.
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    terminal = start_process(["bash", "-c", command], name="terminal",
                             env={"PATH": path}, log_dir=tmp_path)
    try:
        wait_until(lambda: Worker.count(connection=lab.connection()) == 1, 30,
                   what="the terminal's worker registering")
        assert lab.ensure_worker(["mailers"]).startswith("Using the worker you started")
        assert lab.processes == [], "the notebook must not start a second worker"
        _write(tmp_path, SOLUTION)
        measured = your_code.run_your_delivery(lab, "ex03a_enqueue:enqueue_welcome",
                                               {"name": "Ada", "email": "ada@example.com"}, 0)
        assert measured["job_id"] == "welcome-1"
        assert [m["to"] for m in mail.list_outbox(lab.outbox)] == ["Ada <ada@example.com>"]
    finally:
        terminal.stop()
