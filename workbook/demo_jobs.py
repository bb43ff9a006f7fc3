"""The workbook's demo jobs: small jobs for the notebooks, tests and benchmarks.

They are not the app's jobs. ``add``, ``sleep_for``, ``fail`` and the rest show how RQ
behaves; none of them belongs in the mailer, so the app's worker (``make worker``, job class
:class:`mailer_app.queues.AllowlistJob`) refuses them, even if a job naming one is planted in
Redis. Only the workbook's own workers, started with :class:`WorkbookJob`, run them; queues
from :func:`get_queue` here make jobs of that class.

Some take a Redis key name (``record``, ``flaky``): a job that writes a key gives whoever
planted it nothing they lacked, since they could already write to that Redis. None takes a
path, a database, a mail server or a URL.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import redis
from rq import Queue, get_current_job

from mailer_app import db, mail
from mailer_app.config import load_settings
from mailer_app.jobs import send_user_mail
from mailer_app.queues import AllowlistJob
from mailer_app.queues import get_queue as app_queue
from mailer_app.registry import JOB_MODULES, job_function

#: What the workbook's workers get on their command line (``--job-class``).
JOB_CLASS = "workbook.demo_jobs.WorkbookJob"


class WorkbookJob(AllowlistJob):
    """The app's allowlist, plus the demo jobs registered in this module, plus rule 2.

    The notebooks' own workers run this class: the demo jobs (``add``, ``sleep_for`` ...), and
    the public functions the exercises define (``ex05a_route.route`` and the like), which the
    notebooks enqueue to try them. Broader than the app's worker, on purpose and only here:
    it runs on a throwaway Redis of one notebook, never as the app's worker.
    """

    job_modules = (*JOB_MODULES, __name__)
    student_modules = True


def get_queue(name: str = "default", connection: redis.Redis | None = None, **kwargs) -> Queue:
    """The queue ``name``, as :func:`mailer_app.queues.get_queue` builds it, for demo jobs too."""
    return app_queue(name, connection, job_class=WorkbookJob, **kwargs)


@job_function
def add(a: float, b: float) -> float:
    """Return ``a + b`` (the smallest job that returns something)."""
    return a + b


@job_function
def noop() -> None:
    """Do nothing: measures what the queue itself costs."""


@job_function
def sleep_for(seconds: float) -> float:
    """Sleep (an I/O-bound job: a slow mail server, an HTTP call) and return the seconds."""
    time.sleep(float(seconds))
    return float(seconds)


@job_function
def record(list_key: str, tag: str) -> str:
    """Append ``tag`` to the Redis list ``list_key``: shows the order jobs ran in."""
    job = get_current_job()
    job.connection.rpush(list_key, tag)
    return tag


#: A trace file's name: letters, digits, ``.``, ``_``, ``-``; no folder, no leading dot.
TRACE_NAME = re.compile(r"^\w[\w.-]*$")


@job_function
def note_run(trace: str, tag: str) -> str:
    """Append ``tag`` to the file ``trace`` in ``TRACE_DIR``: a record that outlives Redis.

    ``trace`` is a file name, never a path: the folder comes from the worker's environment,
    so a job planted in Redis cannot write anywhere else (a ``.pth`` file in site-packages
    would run code at the next interpreter start).
    """
    if not TRACE_NAME.match(trace):
        raise ValueError(f"Refusing to write {trace!r}: a trace is a plain file name "
                         "(letters, digits, ., _, -) in TRACE_DIR.")
    folder = Path(load_settings()["TRACE_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    # One short write with O_APPEND: lines from concurrent workers never interleave.
    with open(folder / trace, "a", encoding="utf-8") as lines:
        lines.write(tag + "\n")
    return tag


@job_function
def fail(message: str = "the mail server said no") -> None:
    """Always raise: the job ends in the failed registry with this traceback."""
    raise RuntimeError(message)


@job_function
def flaky(counter_key: str, failures: int) -> int:
    """Fail the first ``failures`` attempts, then succeed; counts attempts in Redis."""
    attempt = get_current_job().connection.incr(counter_key)
    if attempt <= failures:
        raise ConnectionError(f"attempt {attempt}: the mail server timed out")
    return attempt


@job_function
def record_time(list_key: str) -> float:
    """Append the time (epoch seconds) this job started to ``list_key``: measures lateness."""
    now = time.time()
    get_current_job().connection.rpush(list_key, repr(now))
    return now


@job_function
def send_welcome_then_fail_once(user_id: int, attempts_key: str, idempotent: bool = True) -> str:
    """Send the welcome email, then fail the first attempt, as a later step (a CRM call) might.

    With ``idempotent=False`` the email goes out without checking or setting the durable
    mark, as a naive job would: every retry sends it again. Notebook 07 runs both.
    """
    settings = load_settings()
    if idempotent:
        send_user_mail(user_id, "welcome", settings)
    else:
        with db.connection(settings["DATABASE"]) as conn:
            user = db.get_user(conn, int(user_id))
        mail.deliver(mail.build_message("welcome", user["email"], settings["MAIL_FROM"],
                                        name=user["name"], email=user["email"], queued=True),
                     settings)
    attempt = get_current_job().connection.incr(attempts_key)
    if attempt == 1:
        raise TimeoutError("the CRM call after the email timed out")
    return f"attempt {attempt} done"


# --- small jobs for the notebooks, tests and benchmarks ----------------------------------
