"""Run a student's own function in the real app: notebook 03's "your code" cell.

The exercise modules are imported from :func:`workbook.target.exercise_folder` (``exercises``
for a student; CI also runs ``solutions``). Before the app runs a student's delivery function,
it is tried once against an empty Redis database, so an untouched stub or a plausible mistake
gets one plain sentence instead of a traceback or a 500 from the app.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import redis
from rq.exceptions import DeserializationError, DuplicateJobError
from rq.job import Job
from rq.serializers import JSONSerializer

from mailer_app import db, mail, registry
from mailer_app.jobs import UserNotFound, send_welcome_email
from mailer_app.queues import QUEUE_NAMES, AllowlistJob, get_queue
from workbook.http import post
from workbook.target import exercise_folder  # also imported from here by notebook.py, your_turn.py

APP_WELCOME_JOB = f"{send_welcome_email.__module__}.{send_welcome_email.__name__}"
#: The job function exercise 03a asks for, in the same module as the enqueue function.
JOB_NAME = "send_welcome"
#: A user id nobody has, for trying the enqueue (and the job's "no such user" case).
PROBE_USER = 999
#: Not an answer but the stub's NotImplementedError: the function is not written yet.
NOT_WRITTEN = "not written"


def load(module: str) -> ModuleType:
    """Import (or re-import, after an edit) one exercise module from :func:`exercise_folder`."""
    folder = str(exercise_folder())
    if folder not in sys.path:
        sys.path.insert(0, folder)
    # A fresh import, not importlib.reload: a reload keeps a function the file no longer has.
    sys.modules.pop(module, None)
    importlib.invalidate_caches()
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
    """Try exercise 03a's job and enqueue functions once, on scratch data; say what is wrong.

    ``path`` names the enqueue function (``module:function``); the job is ``send_welcome`` in
    the same module. Both run here, in this process, against an empty Redis database
    (``scratch``) and a throwaway database and outbox, so nothing the notebook shows is touched.
    """
    module_name, name = path.split(":")
    module = load(module_name)
    where = f"exercises/{module_name}.py"
    job = getattr(module, JOB_NAME, None)
    if not callable(job):
        return (f"❌ {where} has no function {JOB_NAME}(user_id): the job is yours to write, "
                "under that name (the docstring says what it must do).")
    if registry.JOBS.get(f"{module_name}.{JOB_NAME}") is not job:
        return (f"❌ {JOB_NAME} is not registered as a job: put @job_function (from "
                "mailer_app.registry) on the line above its def, as mailer_app/jobs.py does. "
                "The app's worker runs registered jobs only: the registration is its allowlist.")
    enqueue = getattr(module, name)
    scratch.flushdb()
    try:
        with _throwaway_mail_settings(module_name) as settings:
            job_problem = _judge_job(job, settings)
            enqueue_problem = _try_enqueue(name, enqueue, scratch, f"{module_name}.{JOB_NAME}")
    finally:
        scratch.flushdb()
    problems = {JOB_NAME: job_problem, name: enqueue_problem}
    unwritten = [function for function, problem in problems.items() if problem == NOT_WRITTEN]
    if len(unwritten) == 2:
        return (f"⏳ Not started yet: open {where}, read the docstring and write {JOB_NAME} and "
                f"{name}; then run this cell again.")
    # A mistake in what is written comes before what is still to write; the job before the enqueue.
    mistake = next((p for p in problems.values() if p and p != NOT_WRITTEN), None)
    if mistake or not unwritten:
        return mistake
    return (f"⏳ {unwritten[0]} is not written yet (it still raises NotImplementedError): "
            f"write it in {where}, then run this cell again.")


@contextlib.contextmanager
def _throwaway_mail_settings(job_module: str) -> Iterator[dict[str, str]]:
    """Point this process's mail settings at an empty database and outbox for the block."""
    with tempfile.TemporaryDirectory(prefix="workbook-probe-") as folder:
        settings = {"DATABASE": str(Path(folder) / "probe.sqlite"),
                    "OUTBOX_DIR": str(Path(folder) / "outbox"),
                    "MAIL_BACKEND": "outbox", "MAIL_DELAY_SECONDS": "0",
                    "JOB_MODULES": job_module}  # as the worker is started
        saved = {key: os.environ.get(key) for key in settings}
        os.environ.update(settings)
        try:
            db.init_db(settings["DATABASE"])
            yield settings
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


def _judge_job(job: Callable, settings: dict[str, str]) -> str | None:
    """Run the student's job as a worker would, twice, then for a user nobody is."""
    with db.connection(settings["DATABASE"]) as conn:
        user_id = db.insert_user(conn, "Probe Person", "probe@example.com")
    call = f"{JOB_NAME}({user_id})"
    for attempt in (1, 2):
        try:
            returned = job(user_id)
        except NotImplementedError:
            return NOT_WRITTEN
        except Exception as exc:  # a student's mistake is reported, not raised
            again = " run a second time for the same user" if attempt == 2 else ""
            return f"❌ {call}{again} raised {type(exc).__name__}: {exc}"
        sent = [m for m in mail.list_outbox(settings["OUTBOX_DIR"])
                if m["to"] == "Probe Person <probe@example.com>" and m["kind"] == "welcome"]
        if attempt == 1 and not sent:
            return (f"❌ {call} sent no welcome email to the user: the job must send user "
                    f"{user_id} the app's welcome email.")
        with db.connection(settings["DATABASE"]) as conn:
            recorded = db.get_user(conn, user_id)["welcome_sent_at"]
        if attempt == 1 and not recorded:
            return (f"❌ {call} sent an email, but the database does not record the welcome "
                    "email as sent (welcome_sent_at is empty): send it with the app's mail code "
                    "in mailer_app/jobs.py, which records it.")
        if len(sent) > 1:
            return (f"❌ Run a second time for the same user, {JOB_NAME} sent the email again: "
                    "a repeated or retried job must send it once.")
        try:
            json.dumps(returned)
        except (TypeError, ValueError):
            return (f"❌ {call} returned a {type(returned).__name__}, which RQ cannot store as "
                    "JSON: return plain data (a dict of strings and numbers) or nothing.")
    try:
        returned = job(PROBE_USER)
    except UserNotFound:
        return None
    except Exception as exc:  # a student's mistake is reported, not raised
        return (f"❌ {JOB_NAME}({PROBE_USER}), for an id nobody has, raised {type(exc).__name__}"
                f" ({exc}), not UserNotFound (mailer_app.jobs) as the app's mail code does.")
    return (f"❌ {JOB_NAME}({PROBE_USER}), for an id nobody has, returned {returned!r}: it must "
            "raise UserNotFound (mailer_app.jobs), so the job fails where you can see it.")


def _try_enqueue(name: str, enqueue: Callable, scratch: redis.Redis, job_path: str) -> str | None:
    """Call the student's enqueue function on the scratch Redis and judge what it left there."""
    try:
        returned = enqueue(PROBE_USER, scratch)
    except NotImplementedError:
        return NOT_WRITTEN
    except UserNotFound:
        return (f"❌ {name} called the job function itself (it went looking for user "
                f"{PROBE_USER} to email right now): enqueue it, so a worker calls it later.")
    except Exception as exc:  # any mistake in the student's code is reported, not raised
        return f"❌ {name} raised {type(exc).__name__}: {exc}"
    return _judge(name, returned, scratch, job_path, again=lambda: enqueue(PROBE_USER, scratch))


def _judge(name: str, returned, scratch: redis.Redis, job_path: str,
           again: Callable[[], object]) -> str | None:
    queued = {q: get_queue(q, scratch).job_ids for q in QUEUE_NAMES}
    used = [q for q, ids in queued.items() if ids]
    if not used:
        return (f"❌ No job was enqueued: {name} returned {returned!r}, and every queue is still "
                "empty. Enqueue on a queue, do not call the job function yourself.")
    if used != ["mailers"]:
        return (f"❌ The job went to the {used[0]!r} queue, which the worker started here does "
                "not watch: it listens on 'mailers'.")
    job_id = queued["mailers"][0]
    try:
        job = Job.fetch(job_id, connection=scratch, serializer=JSONSerializer)
        func_name, args, kwargs = job.func_name, list(job.args), job.kwargs
    except DeserializationError:
        return ("❌ The job is not stored as JSON (RQ's default is pickle), and the workers here "
                "read JSON only: build the queue with the JSON serializer.")
    if func_name == APP_WELCOME_JOB:
        return (f"❌ The job runs the app's own {APP_WELCOME_JOB}: enqueue your {JOB_NAME}, the "
                "job you wrote in the same file.")
    if func_name != job_path:
        return f"❌ The job runs {func_name}, not your {job_path}."
    if args != [PROBE_USER] or kwargs:
        given = f"{args} and the keyword arguments {kwargs}" if kwargs else f"{args}"
        return (f"❌ The job's arguments are {given}: the worker needs the user's id alone, "
                f"[{PROBE_USER}], and looks the user up itself.")
    if job_id != f"welcome-{PROBE_USER}":
        return (f"❌ The job's id is {job_id!r}: use welcome-<user_id> ('welcome-{PROBE_USER}'), "
                "one id per user, so that a second enqueue for the same user can be refused.")
    if not isinstance(returned, Job) or returned.id != job_id:
        return f"❌ {name} must return the job it enqueued (it returned {returned!r})."
    if not isinstance(returned, AllowlistJob):
        return (f"❌ The job was made by {type(returned).__name__}, not the workbook's "
                "allowlisting job class (mailer_app.queues.AllowlistJob), so nothing checked it "
                "before it reached Redis.")
    try:
        again()
    except DuplicateJobError:
        return None
    except Exception as exc:  # a student's mistake is reported, not raised
        return (f"❌ A second {name}({PROBE_USER}) raised {type(exc).__name__} ({exc}), not "
                "RQ's DuplicateJobError.")
    return (f"❌ A second {name}({PROBE_USER}) for the same user was accepted: it must be refused "
            "with RQ's DuplicateJobError, so one signup never queues two welcome emails.")


def run_your_delivery(lab, path: str, user: dict, mail_delay: float) -> dict | None:
    """Run the real app with ``MAIL_DELIVERY=path``, sign ``user`` up, wait for the email.

    Prints one line per step and returns the measurements, or prints what to fix and returns
    None (the app is not started then, so a stub never reaches it).
    """
    problem = delivery_problem(path, lab.scratch_connection())
    if problem:
        print(problem)
        return None
    print(f"✅ Your {JOB_NAME} sends the welcome email once, and {path} enqueues it on "
          "'mailers' as welcome-<id>, once per user.")
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
            why = lab.web_log_says("signup refused (503): ")
            if why:
                print(f"   Its log says why: {why}")
            return None
        print(f"✅ The app, running your code, answered {status} in {seconds * 1000:.0f} ms "
              f"(job {body['job_id']}).")
        waited = lab.wait_for_welcome(user["email"], timeout=2 * mail_delay + 60)
        print(f"✅ A worker sent the email {waited:.1f} s after the signup.")
    finally:
        lab.stop_web()
    return {"request_seconds": seconds, "email_seconds": waited, "job_id": body["job_id"]}


def run_your_limiter(lab, path: str, limit: float = 7) -> object:
    """Run notebook 10's limited storm with the app's workers taking tokens from your bucket.

    ``path`` is ``module:function`` (``ex10a_rate_limit:take``). First one call on a spare
    database, reported as :func:`try_it` does; the storm runs only when that call grants a
    token from a fresh bucket (0.0), and its figures are printed.
    """
    from workbook import storm  # noqa: PLC0415 (starts processes; only this function needs it)

    module, _, name = path.partition(":")
    spare = lab.scratch_connection()
    spare.delete("your-bucket")
    first = try_it(module, lambda ex: getattr(ex, name)(spare, "your-bucket", 10))
    if first is None:
        return None
    if first != 0.0:
        print("❌ A new bucket starts full: the first take must return 0.0, so the storm waits "
              "for your fix. make check EX=10a says more.")
        return None
    run = storm.storm(lab, signups=60, workers=6, provider_rate=10, limit=limit, limiter=path,
                      name="yours")
    print(f"Your bucket, {limit:g} a second for six workers, against a provider of 10: "
          f"{run.sent} of {run.signups} sent, {run.temporary_failures} temporary failures, "
          f"busiest second {run.busiest_second()}, send rate {run.send_rate():.1f} a second.")
    return run
