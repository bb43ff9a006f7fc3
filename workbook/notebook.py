"""One object per notebook that starts what the notebook needs and stops all of it.

``lab = Workbench()`` starts a throwaway redis-server (AOF on, its own folder), a fresh
database and an empty outbox, and points ``os.environ`` at them, so workers and web servers
started through ``lab`` (and jobs run in this kernel) all agree. ``lab.close()`` (the last
cell of every notebook) stops every process by PID; so does the kernel exiting.
"""

from __future__ import annotations

import atexit
import html
import os
import shutil
import tempfile
from pathlib import Path

import redis
from IPython.display import HTML
from rq import Worker

from mailer_app import db, mail
from mailer_app.redis_client import connect
from workbook import services
from workbook.http import get, post
from workbook.links import Link
from workbook.processes import ManagedProcess, start_process, wait_until
from workbook.redis_runner import start_redis

__all__ = ["DEMO_MAIL_DELAY", "Workbench", "get", "post", "show_newest_email"]

#: The slow mail server of the tutorial: 30 s for a reader, shortened by CI's environment.
DEMO_MAIL_DELAY = float(os.environ.get("WORKBOOK_MAIL_DELAY", "30"))


class Workbench:
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
        self.closed = False
        atexit.register(self.close)

    def __repr__(self) -> str:
        return f"<Workbench redis={self.url} pid={self.redis.pid}>"

    def __str__(self) -> str:
        return (f"A throwaway redis-server is running at {self.url} (pid {self.redis.pid}); "
                f"database and outbox are in {self.directory}.")

    def connection(self, **kwargs) -> redis.Redis:
        return connect(self.url, **kwargs)

    def scratch_connection(self) -> redis.Redis:
        """Database 1 of this notebook's Redis: for trying code without touching the demo."""
        return redis.Redis.from_url(self.url.rsplit("/", 1)[0] + "/1")

    def terminal_command(self, queues: list[str], env: dict | None = None) -> str:
        """The ``rq worker`` command a student can paste into a terminal for this notebook."""
        settings = {k: self.env[k] for k in ("DATABASE", "OUTBOX_DIR")} | (env or {})
        words = services.worker_command(self.url, queues, with_scheduler=False)
        return " ".join([*(f"{k}={v}" for k, v in settings.items()), services.as_typed(words)])

    def ensure_worker(self, queues: list[str], env: dict | None = None) -> str:
        """Use a worker already listening on ``queues`` (yours, from a terminal), or start one."""
        ours = {process.pid for process in self.processes}
        for found in Worker.all(connection=self.connection()):
            if set(queues) <= {q.name for q in found.queues}:
                if found.pid in ours:
                    return "The worker this notebook started is still running."
                return f"Using the worker you started in a terminal ({found.name})."
        self.worker(queues, env=env, with_scheduler=False)
        return "No worker was running, so the notebook started one for you (as it does in CI)."

    def worker(self, queues=None, env: dict | None = None, **kwargs) -> ManagedProcess:
        """Start a real ``rq worker`` that sees this notebook's settings (plus ``env``)."""
        process = services.start_worker(self.url, queues, env={**self.env, **(env or {})},
                                        log_dir=self.directory / "logs", **kwargs)
        self.processes.append(process)
        return process

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

    def stop_web(self) -> None:
        """Stop every web server this notebook started (by PID)."""
        while self._web:
            self._web.pop().stop()

    def reset(self) -> None:
        """Empty Redis, the users table and the outbox (a clean slate for the next demo)."""
        self.connection().flushall()
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

    def close(self) -> str:
        """Stop every worker, web server and the redis-server this notebook started."""
        if self.closed:
            return "Already stopped."
        stopped = len(self.processes) + len(self._web) + 1
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
        return f"Stopped {stopped} process(es) by PID and removed the workbench folder."


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
        f'<iframe srcdoc="{html.escape(body, quote=True)}" '
        f'style="width:100%;height:{height}px;border:1px solid #ccc"></iframe>'
    )
