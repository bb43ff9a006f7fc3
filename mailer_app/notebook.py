"""One object per notebook that starts what the notebook needs and stops all of it.

``lab = Workbench()`` starts a throwaway redis-server (AOF on, its own folder), a fresh
database and an empty outbox, and points ``os.environ`` at them, so workers and web servers
started through ``lab`` (and jobs run in this kernel) all agree. ``lab.close()`` (the last
cell of every notebook) stops every process by PID; so does the kernel exiting.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import redis

from mailer_app import db, mail, services

#: The slow mail server of the tutorial: 30 s for a reader, shortened by CI's environment.
DEMO_MAIL_DELAY = float(os.environ.get("WORKBOOK_MAIL_DELAY", "30"))


class Workbench:
    """A throwaway Redis, database and outbox, plus the workers and web servers started."""

    def __init__(self, persistence: str = "aof", **redis_options):
        self.directory = Path(tempfile.mkdtemp(prefix="workbook-"))
        self.redis = services.start_redis(self.directory / "redis", persistence=persistence,
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
        self.processes: list[services.ManagedProcess] = []
        self._contexts: list = []
        self.closed = False
        atexit.register(self.close)

    def __repr__(self) -> str:
        return f"<Workbench redis={self.url} pid={self.redis.pid}>"

    def __str__(self) -> str:
        return (f"A throwaway redis-server is running at {self.url} (pid {self.redis.pid}); "
                f"database and outbox are in {self.directory}.")

    def connection(self, **kwargs) -> redis.Redis:
        return services.connect(self.url, **kwargs)

    def worker(self, queues=None, env: dict | None = None, **kwargs) -> services.ManagedProcess:
        """Start a real ``rq worker`` that sees this notebook's settings (plus ``env``)."""
        process = services.start_worker(self.url, queues, env={**self.env, **(env or {})},
                                        log_dir=self.directory / "logs", **kwargs)
        self.processes.append(process)
        return process

    def process(self, cmd, name: str, env: dict | None = None) -> services.ManagedProcess:
        process = services.start_process(cmd, name=name, env={**self.env, **(env or {})},
                                         log_dir=self.directory / "logs")
        self.processes.append(process)
        return process

    def web(self, **settings) -> str:
        """Serve the mailer app over HTTP with these settings; return its base URL."""
        context = services.web_server({**self.env, **{k: str(v) for k, v in settings.items()}})
        base = context.__enter__()
        self._contexts.append(context)
        return base

    def stop_web(self) -> None:
        while self._contexts:
            self._contexts.pop().__exit__(None, None, None)

    def reset(self) -> None:
        """Empty Redis, the users table and the outbox (a clean slate for the next demo)."""
        self.connection().flushall()
        db.reset_db(self.env["DATABASE"])
        for path in self.outbox.iterdir():
            path.unlink()

    def emails(self) -> list[dict]:
        return mail.list_outbox(self.outbox)

    def show_newest_email(self):
        return mail.show_newest(self.outbox)

    def wait_for_emails(self, count: int, timeout: float, progress=None) -> float:
        """Wait until the outbox holds ``count`` emails; return the seconds waited."""
        from mailer_app.monitor import wait_until

        return wait_until(lambda: len(self.emails()) >= count, timeout, progress=progress)

    def close(self) -> str:
        """Stop every worker, web server and the redis-server this notebook started."""
        if self.closed:
            return "Already stopped."
        stopped = len(self.processes) + len(self._contexts) + 1
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


def post(base: str, path: str, payload: dict | None = None, form: dict | None = None,
         headers: dict | None = None) -> tuple[int, dict | str, float]:
    """POST JSON (or a form) over real HTTP; return (status, body, seconds)."""
    if form is not None:
        from urllib.parse import urlencode

        data, content_type = urlencode(form).encode(), "application/x-www-form-urlencoded"
    else:
        data, content_type = json.dumps(payload or {}).encode(), "application/json"
    request = urllib.request.Request(f"{base}{path}", data=data,
                                     headers={"Content-Type": content_type, **(headers or {})})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            raw, status = response.read(), response.status
            kind = response.headers.get_content_type()
    except urllib.error.HTTPError as err:
        raw, status, kind = err.read(), err.code, err.headers.get_content_type()
    elapsed = time.perf_counter() - started
    body = json.loads(raw) if kind == "application/json" else raw.decode()
    return status, body, elapsed


def get(base: str, path: str, headers: dict | None = None) -> tuple[int, str]:
    """GET over real HTTP; return (status, body text)."""
    request = urllib.request.Request(f"{base}{path}", headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()
