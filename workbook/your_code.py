"""Run a student's own function in the real app: notebook 03's "your code" cell.

The exercise modules are imported from the folder ``WORKBOOK_TARGET`` names (``exercises``
for a student; CI also runs ``solutions``). Before the app runs a student's delivery function,
it is tried once against an empty Redis database, so an untouched stub or a plausible mistake
gets one plain sentence instead of a traceback or a 500 from the app.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import redis
from rq.job import Job

from mailer_app.jobs import UserNotFound, send_welcome_email
from mailer_app.queues import QUEUE_NAMES, get_queue
from workbook import PROJECT_ROOT
from workbook.http import post

WELCOME_JOB = f"{send_welcome_email.__module__}.{send_welcome_email.__name__}"
PROBE_USER = 999


def exercise_folder() -> Path:
    """The folder the exercise modules come from: ``exercises/`` unless WORKBOOK_TARGET says."""
    target = os.environ.get("WORKBOOK_TARGET", "exercises")
    return PROJECT_ROOT / target if target in ("exercises", "solutions") else Path(target)


def load(module: str) -> ModuleType:
    """Import (or re-import, after an edit) one exercise module from :func:`exercise_folder`."""
    folder = str(exercise_folder())
    if folder not in sys.path:
        sys.path.insert(0, folder)
    if module in sys.modules:
        return importlib.reload(sys.modules[module])
    return importlib.import_module(module)


def try_it(module: str, attempt: Callable[[ModuleType], object]) -> object:
    """Run ``attempt(exercise_module)`` on the notebook's live Redis or app; report, never raise.

    Prints the result, "not started yet" for an untouched stub, or the error in one line.
    """
    where = f"exercises/{module}.py"
    try:
        result = attempt(load(module))
    except NotImplementedError:
        print(f"⏳ Not started yet: open {where}, read the docstring, write your code, then "
              "run this cell again.")
        return None
    except Exception as exc:  # a student's mistake is reported, not raised
        print(f"❌ {type(exc).__name__}: {exc}")
        return None
    print(f"Your code gave: {result!r}")
    return result


def delivery_problem(path: str, scratch: redis.Redis) -> str | None:
    """Try the delivery function at ``path`` once on an empty database; say what is wrong."""
    module, name = path.split(":")
    func = getattr(load(module), name)
    where = f"exercises/{module}.py"
    scratch.flushdb()
    try:
        returned = func(PROBE_USER, scratch)
    except NotImplementedError:
        return (f"⏳ Not started yet: open {where}, read the docstring and write {name}; "
                "then run this cell again.")
    except UserNotFound:
        return (f"❌ {name} called the job function itself (it went looking for user "
                f"{PROBE_USER} to email right now): enqueue it, so a worker calls it later.")
    except Exception as exc:  # any mistake in the student's code is reported, not raised
        return f"❌ {name} raised {type(exc).__name__}: {exc}"
    try:
        return _judge(name, returned, scratch)
    finally:
        scratch.flushdb()


def _judge(name: str, returned, scratch: redis.Redis) -> str | None:
    queued = {q: get_queue(q, scratch).jobs for q in QUEUE_NAMES}
    used = [q for q, jobs in queued.items() if jobs]
    if not used:
        return (f"❌ No job was enqueued: {name} returned {returned!r}, and every queue is still "
                "empty. Enqueue on a queue, do not call the job function yourself.")
    if used != ["mailers"]:
        return (f"❌ The job went to the {used[0]!r} queue, which the worker started here does "
                "not watch: it listens on 'mailers'.")
    job = queued["mailers"][0]
    if job.func_name != WELCOME_JOB:
        return f"❌ The job runs {job.func_name}, not {WELCOME_JOB}."
    if list(job.args) != [PROBE_USER] or job.kwargs:
        return (f"❌ The job's arguments are {list(job.args)} {job.kwargs or ''}: the worker "
                f"needs the user's id alone, [{PROBE_USER}], and looks the user up itself.")
    if job.id != f"welcome-{PROBE_USER}":
        return (f"❌ The job's id is {job.id!r}: use welcome-<user_id> ('welcome-{PROBE_USER}'), "
                "so a second enqueue for the same user is refused.")
    if not isinstance(returned, Job) or returned.id != job.id:
        return f"❌ {name} must return the job it enqueued (it returned {returned!r})."
    return None


def run_your_delivery(lab, path: str, user: dict, mail_delay: float) -> dict | None:
    """Run the real app with ``MAIL_DELIVERY=path``, sign ``user`` up, wait for the email.

    Prints one line per step and returns the measurements, or prints what to fix and returns
    None (the app is not started then, so a stub never reaches it).
    """
    problem = delivery_problem(path, lab.scratch_connection())
    if problem:
        print(problem)
        return None
    print(f"✅ {path} enqueues send_welcome_email(user_id) on 'mailers' as welcome-<id>.")
    if lab.listening_worker(["mailers"]) is None:
        print("❌ No rq worker listens on 'mailers' for this notebook: start the command under "
              "\"Start the worker, in a terminal\" again, then run this cell again.")
        return None
    lab.forget_user(user["email"])  # a second run of the cell (after an edit) signs up afresh
    base = lab.web(MAIL_DELIVERY=path, MAIL_DELAY_SECONDS=mail_delay,
                   PYTHONPATH=str(exercise_folder()))
    try:
        status, body, seconds = post(base, "/users", user)
        if status != 201:
            print(f"❌ The app answered {status}: {body}")
            return None
        print(f"✅ The app, running your code, answered {status} in {seconds * 1000:.0f} ms "
              f"(job {body['job_id']}).")
        waited = lab.wait_for_welcome(user["email"], timeout=2 * mail_delay + 60)
        print(f"✅ A worker sent the email {waited:.1f} s after the signup.")
    finally:
        lab.stop_web()
    return {"request_seconds": seconds, "email_seconds": waited, "job_id": body["job_id"]}
