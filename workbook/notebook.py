"""One object per notebook that starts what the notebook needs and stops all of it.

``lab = Workbench()`` starts a throwaway redis-server (AOF on, its own folder), a fresh
database and an empty outbox, and points ``os.environ`` at them, so workers and web servers
started through ``lab`` (and jobs run in this kernel) all agree. ``lab.close()`` (the last
cell of every notebook) stops every process by PID; so does the kernel exiting.

At a person's pace: the processes a lesson asks the student to start (``rq worker`` in a
terminal) are waited for, not started, unless ``WORKBOOK_START_PROCESSES=1`` says so (nbval
and CI set it). Waits read what lasts (the database's timestamps, job statuses that can only
move forward), never the clock of the cell that waits.
"""

from __future__ import annotations

import atexit
import html
import os
import shutil
import tempfile
from email.utils import parseaddr
from pathlib import Path

import redis
from IPython.display import HTML
from rq.job import Job
from rq.serializers import JSONSerializer

from mailer_app import db, mail
from mailer_app.redis_client import client_for, connect, redact, with_db
from workbook import hint, services
from workbook.http import get, post
from workbook.links import Link
from workbook.pace import (
    LATER_STATUSES,
    seconds_between,
)
from workbook.processes import ManagedProcess, start_process, wait_until
from workbook.redis_runner import start_redis
from workbook.target import exercise_folder
from workbook.terminals import StudentTerminals

__all__ = ["DEMO_MAIL_DELAY", "Workbench", "get", "hint", "post", "show_newest_email"]

#: The slow mail server of the tutorial: 30 s for a reader, shortened by CI's environment.
DEMO_MAIL_DELAY = float(os.environ.get("WORKBOOK_MAIL_DELAY", "30"))
class Workbench(StudentTerminals):
    """A throwaway Redis, database and outbox, plus the workers and web servers started."""

    def __init__(self, persistence: str = "aof", **redis_options):
        self.directory = Path(tempfile.mkdtemp(prefix="workbook-"))
        self.redis = start_redis(self.directory / "redis", persistence=persistence,
                                 **redis_options)
        self.url = self.redis.url
        self.env = {
            "REDIS_URL": self.url,
            "DATABASE": str(self.directory / "mailer.sqlite"),
            "OUTBOX_DIR": str(self.directory / "outbox"),
            "MAIL_BACKEND": "outbox",
            "MAIL_DELAY_SECONDS": "0",
            "FOLLOWUP_DELAY_SECONDS": "0",
            "DASHBOARD_PASSWORD": "workbook",
        }
        self._saved_env = {k: os.environ.get(k) for k in self.env}
        os.environ.update(self.env)
        db.init_db(self.env["DATABASE"])
        self.outbox = Path(self.env["OUTBOX_DIR"])
        self.outbox.mkdir()
        self.processes: list[ManagedProcess] = []
        self._web: list[ManagedProcess] = []
        self._started_as: dict[int, tuple[list[str], dict]] = {}  # worker pid -> (argv, env)
        self.closed = False
        atexit.register(self.close)

    def __repr__(self) -> str:
        return f"<Workbench redis={redact(self.url)} pid={self.redis.pid}>"

    def __str__(self) -> str:
        return (f"A throwaway redis-server is running at {redact(self.url)} "
                f"(pid {self.redis.pid}); database and outbox are in {self.directory}.")

    def connection(self, **kwargs) -> redis.Redis:
        return connect(self.url, **kwargs)

    def scratch_connection(self) -> redis.Redis:
        """Database 1 of this notebook's Redis: for trying code without touching the demo."""
        return client_for(with_db(self.url, 1))

    def worker(self, queues=None, env: dict | None = None, reuse: bool = True,
               **kwargs) -> ManagedProcess:
        """Start a real ``rq worker`` that sees this notebook's settings (plus ``env``).

        A cell run twice gets the worker it started the first time (if it still runs), not a
        second one; ``reuse=False`` always starts another.
        """
        # The exercise folder first, as in terminal_command: the student's jobs are importable.
        paths = [str(exercise_folder()), *os.environ.get("PYTHONPATH", "").split(os.pathsep)]
        full_env = {**self.env, "PYTHONPATH": os.pathsep.join(p for p in paths if p),
                    **(env or {})}
        command = services.worker_command(self.url, queues, **kwargs)
        if reuse and not kwargs.get("burst"):
            for process in self.processes:
                if process.running() and self._started_as.get(process.pid) == (command, full_env):
                    return process
        process = services.start_worker(self.url, queues, env=full_env,
                                        log_dir=self.directory / "logs", **kwargs)
        self._started_as[process.pid] = (command, full_env)
        self.processes.append(process)
        return process

    def wait_for_status(self, job, status: str, timeout: float = 60) -> str:
        """Wait until ``job`` is in ``status`` or any later one; return the status found.

        A student who pauses may find the job already past the moment the lesson looks at
        (the worker finished it while they read), so a later status counts too.
        """
        accepted = LATER_STATUSES[status]

        def reached():
            return job.get_status(refresh=True) in accepted

        wait_until(reached, timeout, what=f"{job.id} reaching {status}")
        return job.get_status().value

    def retire(self, process: ManagedProcess) -> None:
        """Stop ``process`` by PID and forget it: an experiment's own worker, relay or sink.

        ``close()`` then counts only what the notebook still runs, whichever experiments ran.
        """
        process.stop()
        if process in self.processes:
            self.processes.remove(process)

    def process(self, cmd, name: str, env: dict | None = None) -> ManagedProcess:
        process = start_process(cmd, name=name, env={**self.env, **(env or {})},
                                log_dir=self.directory / "logs")
        self.processes.append(process)
        return process

    def web(self, threads: bool = True, **settings) -> str:
        """Serve the mailer app over HTTP with these settings; return its base URL."""
        env = {**self.env, **{k: str(v) for k, v in settings.items()}}
        process, base = services.start_web(env, log_dir=self.directory / "logs", threads=threads)
        self._web.append(process)
        return base

    def link(self, base: str, path: str, label: str, note: str = "") -> Link:
        """A link to ``path`` of the app at ``base`` that opens in the student's browser."""
        return Link(base, path, label, note)

    def web_log_says(self, marker: str) -> str:
        """The last line of the newest web server's log that holds ``marker`` ("" if none)."""
        lines = self._web[-1].log().splitlines() if self._web else []
        found = [line for line in lines if marker in line]
        return found[-1].split(marker, 1)[-1] if found else ""

    def stop_web(self) -> None:
        """Stop every web server this notebook started (by PID)."""
        while self._web:
            self._web.pop().stop()

    def reset(self) -> None:
        """Empty Redis, the users table and the outbox (a clean slate for the next demo).

        Workers' own registrations stay, so a worker the student started keeps being seen.
        """
        conn = self.connection()
        for key in conn.scan_iter(count=1000):
            if not key.startswith((b"rq:worker:", b"rq:workers")):
                conn.delete(key)
        db.reset_db(self.env["DATABASE"])
        for path in self.outbox.iterdir():
            path.unlink()

    def emails(self) -> list[dict]:
        return mail.list_outbox(self.outbox)

    def show_newest_email(self):
        return show_newest_email(self.outbox)

    def wait_for_emails(self, count: int, timeout: float, progress=None) -> float:
        """Wait until the outbox holds ``count`` emails; return the seconds waited."""
        return wait_until(lambda: len(self.emails()) >= count, timeout, interval=0.1,
                          progress=progress, what=f"{count} email(s) in the outbox")

    def user(self, email: str) -> dict | None:
        """The user signed up with ``email``, as the database holds it (None if there is none)."""
        with db.connection(self.env["DATABASE"]) as conn:
            row = conn.execute("SELECT * FROM users WHERE email = ?", (email,)).fetchone()
        return dict(row) if row is not None else None

    def forget_user(self, email: str) -> None:
        """Delete the user signed up with ``email``, if any (so a demo cell can run again)."""
        with db.connection(self.env["DATABASE"]) as conn:
            conn.execute("DELETE FROM users WHERE email = ?", (email,))

    def forget_signups(self, *emails: str) -> None:
        """Undo an earlier run's signups of ``emails`` (users and their emails); say so if any.

        A signup cell that calls this first gives the same answer however often it runs: a
        second run signs the same people up afresh, instead of meeting its own 409.
        """
        again = [email for email in emails if self.user(email) is not None]
        for message in self.emails():
            if parseaddr(message["to"])[1].lower() in {e.lower() for e in again}:
                message["path"].unlink()
                message["path"].with_suffix(".html").unlink(missing_ok=True)
        for email in again:
            self.forget_user(email)
        if again:
            print(f"An earlier run signed up {', '.join(again)}: removed, with the emails "
                  "sent to them, so this run signs them up afresh.")

    def forget_jobs(self, *job_ids: str) -> None:
        """Delete the jobs an earlier run left under these fixed ids; say so if there were any.

        RQ reuses a job id's hash but not its registry entries, so a cell run again would find
        the first run's job beside its own: this removes it from its queue and registries.
        """
        conn = self.connection()
        again = [job_id for job_id in job_ids if conn.exists(f"rq:job:{job_id}")]
        for job_id in again:
            Job.fetch(job_id, connection=conn, serializer=JSONSerializer).delete()
        if again:
            print(f"An earlier run left the job {', '.join(again)}: deleted, so this run "
                  "starts afresh.")

    def wait_for_welcome(self, email: str, timeout: float, progress=None) -> float:
        """Wait until ``email``'s welcome email is sent; return the seconds from signup to send.

        Both moments come from the database (``created_at``, ``welcome_sent_at``), so the
        figure is the same whenever this runs: during the wait or an hour later.
        ``progress(seconds since the signup)`` is called while waiting.
        """
        signed_up = self.user(email)["created_at"]

        def sent():
            return self.user(email)["welcome_sent_at"]

        def since_signup(_waited):
            if progress is not None:
                progress(seconds_between(signed_up, db.utcnow()))

        wait_until(sent, timeout, interval=0.1, progress=since_signup,
                   what=f"the welcome email to {email}")
        return seconds_between(signed_up, sent())

    def close(self) -> str:
        """Stop every worker, web server and the redis-server this notebook started."""
        if self.closed:
            return "Already stopped."
        stopped = len(self.processes) + len(self._web) + 1
        yours = self.students_processes()
        self.stop_web()
        for process in self.processes:
            process.stop()
        self.redis.stop()
        for name, value in self._saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        shutil.rmtree(self.directory, ignore_errors=True)
        self.closed = True
        atexit.unregister(self.close)
        done = f"Stopped {stopped} process(es) by PID and removed the workbench folder."
        if yours:  # not ours to stop: the student started them, in their terminals
            done += f" Stop your own {' and '.join(yours)} with Ctrl+C in their terminals."
        return done


def show_newest_email(outbox_dir: str | Path, height: int = 260) -> HTML:
    """Display the newest outbox message inline in a notebook (headers + rendered HTML).

    The HTML goes into an ``<iframe srcdoc=...>`` so the email's own CSS cannot restyle the
    notebook around it.
    """
    messages = mail.list_outbox(outbox_dir)
    if not messages:
        return HTML("<p><em>The outbox is empty.</em></p>")
    newest = messages[0]
    body = mail.outbox_html(outbox_dir, newest["id"])
    return HTML(
        f"<p><b>To:</b> {html.escape(newest['to'])}<br><b>Subject:</b> "
        f"{html.escape(newest['subject'])}</p>"
        # sandbox="" : no scripts, no same-origin. Behind the Jupyter proxy the notebook's
        # origin is the Jupyter server's, and an email must not act with its authority.
        f'<iframe sandbox="" srcdoc="{html.escape(body, quote=True)}" '
        f'style="width:100%;height:{height}px;border:1px solid #ccc"></iframe>'
    )
