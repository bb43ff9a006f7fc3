"""Notebook 10's dual write: signups whose web process or relay dies, counted afterwards.

Every count here is read from durable facts once the run is over: the users table, the
``mail_outbox`` rows, the emails in the outbox folder, and what the job hashes in Redis say.
Nothing depends on how long the student pauses between cells.
"""

from __future__ import annotations

import contextlib
import re
import sys
import urllib.error
from dataclasses import dataclass
from http.client import HTTPException

from mailer_app import db, faults, mail, relay
from mailer_app.config import load_settings
from mailer_app.queues import JOB_CLASS, get_queue
from workbook import services
from workbook.http import post
from workbook.processes import wait_until

#: The relay's log line for each duplicate RQ refused (mailer_app/relay.py).
ALREADY_QUEUED = re.compile(r"RQ already has job \S+; not enqueued twice")


@dataclass
class Counted:
    """What became of ``signups`` signups."""

    signups: int
    web_crashes: int
    users: int
    emailed: int  # users with at least one welcome email in the outbox
    emails: int  # welcome emails in the outbox
    relay_crashes: int = 0
    rows_relayed_twice: int = 0  # rows the relay tried to enqueue twice (attempts > 1)
    refused_by_rq: int = 0  # second enqueues RQ refused: the job id was still there
    jobs_found_no_user: int = 0

    @property
    def without_email(self) -> int:
        return self.users - self.emailed

    @property
    def sent_twice(self) -> int:
        return self.emails - self.emailed


def signup_once(lab, settings: dict[str, str], email: str) -> bool:
    """One signup over HTTP on a fresh web process; return whether that process crashed."""
    process, base = services.start_web({**lab.env, **settings}, log_dir=lab.directory / "logs")
    try:
        with contextlib.suppress(urllib.error.URLError, HTTPException, ConnectionError):
            post(base, "/users", {"name": email.split("@")[0].title(), "email": email},
                 timeout=30)
        with contextlib.suppress(TimeoutError):
            wait_until(lambda: not process.running(), 2, what="the web process exiting")
        return process.process.poll() == faults.CRASH_STATUS
    finally:
        process.stop()


def run_relay_until_done(lab, settings: dict[str, str]) -> tuple[int, int]:
    """Run ``python -m mailer_app.relay`` until no row waits, restarting it when it dies.

    Return how many times it died (crashed on purpose with ``RELAY_FAULT``), and how many
    enqueues RQ refused as duplicates (from the relay's own log: one line each).
    """
    crashes = 0
    log = lab.directory / "logs" / "relay.log"  # every relay appends to it (start_process)
    seen = len(log.read_text(errors="replace")) if log.exists() else 0
    while waiting_rows(lab):
        relay_process = lab.process([sys.executable, "-m", "mailer_app.relay"], name="relay",
                                    env=settings)
        try:
            wait_until(lambda: not relay_process.running() or not waiting_rows(lab), 60,
                       what="the relay emptying mail_outbox")
        finally:
            lab.retire(relay_process)
        crashes += relay_process.process.poll() == faults.CRASH_STATUS
    refused = len(ALREADY_QUEUED.findall(log.read_text(errors="replace")[seen:])) \
        if log.exists() else 0
    return crashes, refused


def waiting_rows(lab) -> int:
    with db.connection(lab.env["DATABASE"]) as conn:
        return conn.execute(
            "SELECT COUNT(*) FROM mail_outbox WHERE relayed_at IS NULL").fetchone()[0]


def wait_for_mailers_queue(lab, timeout: float = 120) -> None:
    """Wait until the worker has nothing left: no job waiting, running or scheduled."""
    queue = get_queue("mailers", lab.connection())

    def idle() -> bool:
        return (queue.count == 0 and queue.started_job_registry.count == 0
                and queue.scheduled_job_registry.count == 0)

    wait_until(idle, timeout, interval=0.2, what="the mailers queue emptying")


def count(lab, signups: int, web_crashes: int, **extra) -> Counted:
    """Count users, emails and relayed rows as the database and the outbox hold them."""
    with db.connection(lab.env["DATABASE"]) as conn:
        users = db.count_users(conn)
        twice = conn.execute(
            "SELECT COUNT(*) FROM mail_outbox WHERE attempts > 1").fetchone()[0]
    welcomes = [m["to"] for m in mail.list_outbox(lab.outbox) if m["kind"] == "welcome"]
    return Counted(signups, web_crashes, users, len(set(welcomes)), len(welcomes),
                   rows_relayed_twice=twice, **extra)


@contextlib.contextmanager
def app_worker(lab):
    """The app's worker on the mailers queue, for one run, stopped by PID afterwards."""
    worker = lab.worker(["mailers"], reuse=False, job_class=JOB_CLASS)
    try:
        yield worker
    finally:
        lab.retire(worker)


def crash_run(lab, delivery: str, signups: int = 5, signup_fault: str = "crash-after-commit",
              relay_fault: str = "", prefix: str = "crash") -> Counted:
    """``signups`` signups, each on a web process armed to crash; then the worker drains.

    Starts from an empty Redis, database and outbox (``lab.reset()``), so a cell that runs it
    twice counts the same.
    """
    lab.reset()
    settings = {"MAIL_DELIVERY": delivery, "SIGNUP_FAULT": signup_fault,
                "FOLLOWUP_DELAY_SECONDS": "0"}
    with app_worker(lab):
        crashed = sum(signup_once(lab, settings, f"{prefix}{n}@example.com")
                      for n in range(1, signups + 1))
        relay_crashes = refused = 0
        if delivery == "relayed":
            relay_crashes, refused = run_relay_until_done(lab, {"RELAY_FAULT": relay_fault})
        wait_for_mailers_queue(lab)
    return count(lab, signups, crashed, relay_crashes=relay_crashes, refused_by_rq=refused)


def jobs_that_failed_first(lab) -> int:
    """Welcome jobs that failed at least once (RQ keeps ``retries_left`` in the job's hash)."""
    queue = get_queue("mailers", lab.connection())
    failed = 0
    with db.connection(lab.env["DATABASE"]) as conn:
        ids = [row[0] for row in conn.execute("SELECT id FROM users")]
    for user_id in ids:
        job = queue.fetch_job(f"welcome-{user_id}")
        if job is not None and job.retries_left is not None and job.retry_intervals and \
                job.retries_left < len(job.retry_intervals):
            failed += 1
    return failed


def race_run(lab, delivery: str, signups: int = 3, hold: float = 1.0, retry: int = 3,
             prefix: str = "race") -> Counted:
    """Signups that enqueue before they commit (or, relayed, hold their commit ``hold`` s).

    Starts from an empty Redis, database and outbox, as :func:`crash_run` does.
    """
    lab.reset()
    settings = {"MAIL_DELIVERY": delivery, "SIGNUP_FAULT": "enqueue-before-commit",
                "FAULT_DELAY_SECONDS": str(hold), "FOLLOWUP_DELAY_SECONDS": "0",
                "MAIL_RETRY_INTERVALS": str(retry)}
    with app_worker(lab):
        process, base = services.start_web({**lab.env, **settings},
                                           log_dir=lab.directory / "logs")
        try:
            for n in range(1, signups + 1):
                status, body, _ = post(base, "/users", {"name": "Race", "email":
                                                        f"{prefix}{n}@example.com"})
                if status != 201:
                    raise RuntimeError(f"signup {n} answered {status}: {body}")
        finally:
            process.stop()
        if delivery == "relayed":
            run_relay_until_done(lab, {})
        wait_for_mailers_queue(lab)
    return count(lab, signups, 0, jobs_found_no_user=jobs_that_failed_first(lab))



@dataclass
class SecondRelay:
    """What relaying every row once more, after the first jobs expired, did."""

    jobs_run: int
    already_sent: int  # of them, jobs that stopped at the user's welcome_sent_at
    emails: int
    users: int


def relay_everything_again(lab) -> SecondRelay:
    """Delete the finished welcome jobs (as ``result_ttl`` would), then relay every row again.

    RQ's unique job id no longer stops the second job, so it runs: the email's idempotency key
    (``welcome_sent_at``) is all that stands between the user and a second email.
    """
    queue = get_queue("mailers", lab.connection())
    for job_id in queue.finished_job_registry.get_job_ids():
        job = queue.fetch_job(job_id)
        if job is not None:
            job.delete()
    with db.connection(lab.env["DATABASE"]) as conn:
        conn.execute("UPDATE mail_outbox SET relayed_at = NULL, job_id = NULL")
    with app_worker(lab):
        done = relay.relay_once(load_settings(), lab.connection())  # lab.env is in os.environ
        wait_for_mailers_queue(lab)
    results = [queue.fetch_job(job_id) for job_id in queue.finished_job_registry.get_job_ids()]
    already = sum(1 for job in results
                  if job is not None and (job.return_value() or {}).get("status") == "already-sent")
    counted = count(lab, 0, 0)
    return SecondRelay(done.enqueued, already, counted.emails, counted.users)
