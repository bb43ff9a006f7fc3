"""Notebook 03's "your code" cell: a student's delivery function, judged before the app runs it."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from rq import Worker

from mailer_app import mail
from mailer_app.queues import get_queue
from mailer_app.redis_client import client_for
from workbook import your_code
from workbook.notebook import Workbench
from workbook.processes import start_process, wait_until

JOB = '''
from mailer_app.config import load_settings
from mailer_app.jobs import send_user_mail

def send_welcome(user_id):
    return send_user_mail(user_id, "welcome", load_settings())
'''

ENQUEUE = '''
from mailer_app.queues import get_queue

def enqueue_welcome(user_id, connection):
    return get_queue("mailers", connection).enqueue(
        send_welcome, user_id, job_id=f"welcome-{user_id}", unique=True)
'''

SOLUTION = JOB + ENQUEUE

#: The queue built by hand, rather than with get_queue: right, and the base of two mistakes.
QUEUE_BY_HAND = '''
from rq import Queue
from rq.serializers import JSONSerializer
from mailer_app.queues import AllowlistJob

def enqueue_welcome(user_id, connection):
    queue = Queue("mailers", connection=connection, serializer=JSONSerializer,
                  job_class=AllowlistJob)
    return queue.enqueue_call("ex03a_enqueue.send_welcome", args=(user_id,),
                              job_id=f"welcome-{user_id}", unique=True)
'''

#: Another right answer: the job written from the app's parts, the queue built by hand. Its
#: return value says which file the worker imported.
ANOTHER_SPELLING = '''
from mailer_app import db, mail
from mailer_app.config import load_settings
from mailer_app.jobs import UserNotFound

def send_welcome(user_id):
    settings = load_settings()
    with db.connection(settings["DATABASE"]) as conn:
        user = db.get_user(conn, user_id)
        if user is None:
            raise UserNotFound(user_id)
        if user["welcome_sent_at"] is None:
            mail.deliver(mail.build_message("welcome", user["email"], settings["MAIL_FROM"],
                                            name=user["name"], email=user["email"], queued=True),
                         settings)
            conn.execute("UPDATE users SET welcome_sent_at = ? WHERE id = ?",
                         (db.utcnow(), user_id))
    return "sent by another spelling"
''' + QUEUE_BY_HAND

STUB_JOB = "def send_welcome(user_id):\n    raise NotImplementedError('stub')\n"
STUB_ENQUEUE = "def enqueue_welcome(user_id, connection):\n    raise NotImplementedError('stub')\n"
SENDS_WITHOUT_RECORDING = '''
from mailer_app import db, mail
from mailer_app.config import load_settings

def send_welcome(user_id):
    settings = load_settings()
    with db.connection(settings["DATABASE"]) as conn:
        user = db.get_user(conn, user_id)
    mail.deliver(mail.build_message("welcome", user["email"], settings["MAIL_FROM"],
                                    name=user["name"], email=user["email"]), settings)
'''

#: (the student's file, what the cell says): one sentence, and the app is never started.
MISTAKES = [
    (STUB_JOB + STUB_ENQUEUE, "Not started yet: open exercises/ex03a_enqueue.py"),
    (STUB_JOB + ENQUEUE, "send_welcome is not written yet (it still raises NotImplementedError)"),
    (JOB + STUB_ENQUEUE,
     "enqueue_welcome is not written yet (it still raises NotImplementedError)"),
    (ENQUEUE, "has no function send_welcome(user_id): the job is yours to write"),
    # The job.
    (SOLUTION.replace('"welcome", load_settings()', '"followup", load_settings()'),
     "sent no welcome email to the user"),
    (SOLUTION.replace('"welcome", load_settings())', '"welcome", load_settings)'),
     "raised TypeError"),
    (SENDS_WITHOUT_RECORDING + ENQUEUE,
     "does not record the welcome email as sent (welcome_sent_at is empty)"),
    (SOLUTION.replace('    return send_user_mail(user_id, "welcome", load_settings())',
                      '    send_user_mail(user_id, "welcome", load_settings())\n'
                      '    return load_settings'), "which RQ cannot store as JSON"),
    (SOLUTION.replace('    return send_user_mail(',
                      '    if user_id == 999:\n        return None\n    return send_user_mail('),
     "for an id nobody has, returned None: it must raise UserNotFound"),
    # The enqueue.
    (SOLUTION.replace('get_queue("mailers"', 'get_queue("default"'),
     "went to the 'default' queue, which the worker started here does not watch"),
    (JOB + "def enqueue_welcome(user_id, connection):\n    return send_welcome(user_id)\n",
     "called the job function itself"),
    (JOB + "def enqueue_welcome(user_id, connection):\n    return None\n", "No job was enqueued"),
    (SOLUTION.replace("send_welcome, user_id,", '"mailer_app.jobs.send_welcome_email", user_id,'),
     "The job runs the app's own mailer_app.jobs.send_welcome_email: enqueue your send_welcome"),
    (SOLUTION.replace("send_welcome, user_id,", '"mailer_app.jobs.send_followup_email", user_id,'),
     "The job runs mailer_app.jobs.send_followup_email, not your ex03a_enqueue.send_welcome"),
    (SOLUTION.replace('job_id=f"welcome-{user_id}", unique=True', 'job_id=f"welcome{user_id}"'),
     "use welcome-<user_id>"),
    (SOLUTION.replace("send_welcome, user_id,", "send_welcome, [user_id],"),
     "needs the user's id alone"),
    (SOLUTION.replace("    return get_queue", "    get_queue"), "must return the job it enqueued"),
    (JOB + QUEUE_BY_HAND.replace(", serializer=JSONSerializer", ""), "not stored as JSON"),
    (JOB + QUEUE_BY_HAND.replace(",\n                  job_class=AllowlistJob", ""),
     "not the workbook's allowlisting job class"),
    (SOLUTION.replace(", unique=True", ""),
     "A second enqueue_welcome(999) for the same user was accepted: it must be refused"),
    ("# not registered\n" + SOLUTION, "send_welcome is not registered as a job: put @job_function"),
]


@pytest.fixture
def lab(monkeypatch, tmp_path):
    monkeypatch.setenv("WORKBOOK_TARGET", str(tmp_path))
    workbench = Workbench(persistence="none")
    yield workbench
    workbench.close()


class JudgeOnlyLab:
    """What the "your code" cell needs of a Workbench until it has judged: a scratch Redis.

    Anything beyond that (a worker, the app) fails the test: a mistake never gets that far.
    """

    def __init__(self, redis_url, outbox):
        self.url, self.outbox, self.processes = redis_url, outbox, []

    def scratch_connection(self):
        return client_for(self.url)

    def __getattr__(self, name):
        raise AssertionError(f"a mistake reached lab.{name}: the app or a worker was used")


@pytest.fixture
def judge_only(monkeypatch, tmp_path, redis_url, outbox):
    monkeypatch.setenv("WORKBOOK_TARGET", str(tmp_path))
    return JudgeOnlyLab(redis_url, outbox)


def _write(tmp_path, source):
    """Write the student's module; its send_welcome registered as the stub has it, unless the
    source says ``# not registered``."""
    if "# not registered" not in source:
        source = ("from mailer_app.registry import job_function\n"
                  + source.replace("def send_welcome(", "@job_function\ndef send_welcome("))
    (tmp_path / "ex03a_enqueue.py").write_text(source)


@pytest.mark.parametrize(("source", "message"), MISTAKES)
def test_a_mistake_gets_one_plain_sentence_and_no_app(judge_only, tmp_path, capsys, source,
                                                       message):
    _write(tmp_path, source)
    assert your_code.run_your_delivery(judge_only, "ex03a_enqueue:enqueue_welcome",
                                       {"name": "Ada", "email": "ada@example.com"}, 0) is None
    out = capsys.readouterr().out
    assert message in out and "Traceback" not in out and len(out.strip().splitlines()) == 1
    assert mail.list_outbox(judge_only.outbox) == [], "trying the code sent a real email"
    assert client_for(judge_only.url).dbsize() == 0, "trying the code left keys"


@pytest.mark.slow
@pytest.mark.parametrize("source", [SOLUTION, ANOTHER_SPELLING])
def test_a_right_answer_runs_in_the_real_app_and_a_worker_sends(lab, tmp_path, source,
                                                                 monkeypatch):
    monkeypatch.setenv("WORKBOOK_START_PROCESSES", "1")  # no terminal here: start it
    _write(tmp_path, source)
    print(lab.ensure_worker(["mailers"], env={"JOB_MODULES": "ex03a_enqueue"}))  # notebook 03's
    measured = your_code.run_your_delivery(lab, "ex03a_enqueue:enqueue_welcome",
                                           {"name": "Ada", "email": "ada@example.com"}, 0)
    assert measured["job_id"] == "welcome-1"
    assert [m["to"] for m in mail.list_outbox(lab.outbox)] == ["Ada <ada@example.com>"]
    # The worker ran this file's job (not one from exercises/ or solutions/ on PYTHONPATH).
    returned = get_queue("mailers", lab.connection()).fetch_job("welcome-1").return_value()
    if source is ANOTHER_SPELLING:
        assert returned == "sent by another spelling"


@pytest.mark.slow
def test_the_printed_command_runs_in_a_terminal_and_the_notebook_uses_that_worker(lab, tmp_path):
    command = lab.terminal_command(["mailers"], {"MAIL_DELAY_SECONDS": "0",
                                                 "JOB_MODULES": "ex03a_enqueue"})
    assert f"PYTHONPATH={tmp_path} " in command, "the worker must import the student's jobs"
    # What a JupyterLab terminal started by `make lab` has: the environment's bin/ on PATH.
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    terminal = start_process(["bash", "-c", command], name="terminal",
                             env={"PATH": path}, log_dir=tmp_path)
    try:
        wait_until(lambda: Worker.count(connection=lab.connection()) == 1, 30,
                   what="the terminal's worker registering")
        assert lab.ensure_worker(["mailers"]).startswith("Using the worker you started")
        assert lab.processes == [], "the notebook must not start a second worker"
        _write(tmp_path, ANOTHER_SPELLING)
        measured = your_code.run_your_delivery(lab, "ex03a_enqueue:enqueue_welcome",
                                               {"name": "Ada", "email": "ada@example.com"}, 0)
        assert measured["job_id"] == "welcome-1"
        assert [m["to"] for m in mail.list_outbox(lab.outbox)] == ["Ada <ada@example.com>"]
        job = get_queue("mailers", lab.connection()).fetch_job("welcome-1")
        assert job.return_value() == "sent by another spelling", "the terminal's worker ran it"
    finally:
        terminal.stop()
