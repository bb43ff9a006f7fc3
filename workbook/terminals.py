"""The processes a lesson asks the student to start in a terminal, and the waits for them.

A notebook prints the exact command (``rq worker ...``, ``flask ... run``) for its own Redis,
database and outbox, then waits until the student's process answers, and says which process
it uses. With ``WORKBOOK_START_PROCESSES=1`` (nbval, CI) it starts the same command itself.
:class:`workbook.notebook.Workbench` has these as methods.
"""

from __future__ import annotations

import re

import psutil
import redis
from rq import Worker

from mailer_app.queues import JOB_CLASS
from mailer_app.redis_client import redact
from workbook import services
from workbook.pace import START_PROCESSES, STUDENT_WAIT_SECONDS, WaitedTooLong, starts_processes
from workbook.processes import free_port, port_open, wait_until
from workbook.target import exercise_folder

#: A command a notebook prints for the student's terminal: the worker, or the app. The paced
#: runner and the JupyterLab run find the commands to type with it.
PRINTED_COMMAND = re.compile(r"^(?:\w+=\S+ )*(?:rq worker|flask --app mailer_app run) .+$",
                             re.MULTILINE)


class StudentTerminals:
    """Printed commands and waits; mixed into ``Workbench`` (``url``, ``env``, ``worker`` ...)."""

    _app_port: int | None = None

    @property
    def app_port(self) -> int:
        """The port of the app the student starts: chosen once, so a cell run again agrees."""
        if self._app_port is None:
            self._app_port = free_port()
        return self._app_port

    def students_processes(self) -> list[str]:
        """What still runs that the student started for this notebook (the app, a worker).

        Theirs: alive, and not started by this kernel (neither a child nor a grandchild).
        """
        mine = {child.pid for child in psutil.Process().children(recursive=True)}
        found = []
        if self._app_port is not None and port_open(self._app_port) and not any(
                f"--port {self._app_port} " in " ".join(map(str, web.process.args)) + " "
                for web in self._web):
            found.append("app")
        try:
            workers = Worker.all(connection=self.connection())
        except redis.RedisError:  # Redis already gone: no worker to report
            workers = []
        if any(psutil.pid_exists(w.pid) and w.pid not in mine for w in workers if w.pid):
            found.append("worker")
        return found

    def terminal_command(self, queues: list[str], env: dict | None = None) -> str:
        """The ``rq worker`` command a student can paste into a terminal for this notebook.

        Its PYTHONPATH is the exercise folder, so the worker can import the student's own jobs.
        A URL with a password is shown redacted, as ``RQ_REDIS_URL``: type the password in.
        """
        secret = {k: redact(v) for k, v in services.url_env(self.url).items()}
        settings = ({k: self.env[k] for k in ("DATABASE", "OUTBOX_DIR")} | secret
                    | {"PYTHONPATH": str(exercise_folder())} | (env or {}))
        words = services.worker_command(self.url, queues, with_scheduler=False,
                                        job_class=JOB_CLASS)
        return " ".join([*(f"{k}={v}" for k, v in settings.items()), services.as_typed(words)])

    def listening_worker(self, queues: list[str]) -> Worker | None:
        """A live worker on this notebook's Redis that listens on all of ``queues``, or None."""
        for found in Worker.all(connection=self.connection()):
            if set(queues) <= {q.name for q in found.queues}:
                return found
        return None

    def ensure_worker(self, queues: list[str], env: dict | None = None,
                      timeout: float = STUDENT_WAIT_SECONDS) -> str:
        """Wait for the worker the student starts in a terminal; say which worker is used.

        With ``WORKBOOK_START_PROCESSES=1`` (nbval, CI) it starts the same command itself.
        """
        ours = {process.pid for process in self.processes}
        found = self.listening_worker(queues)
        if found is None and starts_processes():
            self.worker(queues, env=env, with_scheduler=False, job_class=JOB_CLASS)
            return (f"No worker was listening on {', '.join(queues)}, so the notebook started "
                    f"one itself ({START_PROCESSES}=1, as in CI).")
        if found is None:
            print(f"Waiting for your rq worker on {', '.join(queues)}: paste the command "
                  "printed above into a terminal and press Enter.", flush=True)
            try:
                wait_until(lambda: self.listening_worker(queues), timeout, interval=0.5)
            except TimeoutError:
                raise WaitedTooLong(
                    f"No rq worker listened on {', '.join(queues)} within {timeout / 60:g} "
                    "minutes: start the command printed above in a terminal, then run this "
                    "cell again.") from None
            found = self.listening_worker(queues)
        if found.pid in ours:
            return "The worker this notebook started is listening."
        return f"Using the worker you started in a terminal (pid {found.pid})."

    def web_terminal_command(self, port: int, **settings) -> str:
        """The ``flask run`` command a student can paste into a terminal for this notebook."""
        shown = {k: self.env[k] for k in ("DATABASE", "OUTBOX_DIR", "MAIL_BACKEND",
                                          "FOLLOWUP_DELAY_SECONDS", "DASHBOARD_PASSWORD")}
        shown |= {"REDIS_URL": redact(self.url)} | {k: str(v) for k, v in settings.items()}
        words = services.web_command(port)
        return " ".join([*(f"{k}={v}" for k, v in shown.items()), services.as_typed(words)])

    def ensure_web(self, port: int, timeout: float = STUDENT_WAIT_SECONDS, **settings) -> str:
        """Wait for the app the student starts on ``port``; return its base URL.

        With ``WORKBOOK_START_PROCESSES=1`` (nbval, CI) it starts the same command itself.
        """
        base = f"http://127.0.0.1:{port}"
        if not port_open(port) and starts_processes():
            env = {**self.env, **{k: str(v) for k, v in settings.items()}}
            process, base = services.start_web(env, port, log_dir=self.directory / "logs")
            self._web.append(process)
            print(f"No app was listening on port {port}, so the notebook started it itself "
                  f"({START_PROCESSES}=1, as in CI).")
            return base
        if not port_open(port):
            print(f"Waiting for your app on port {port}: paste the flask command printed above "
                  "into a second terminal and press Enter.", flush=True)
            try:
                wait_until(lambda: port_open(port), timeout, interval=0.5)
            except TimeoutError:
                raise WaitedTooLong(
                    f"No app answered on port {port} within {timeout / 60:g} minutes: start the "
                    "flask command printed above in a terminal, then run this cell again."
                ) from None
        print(f"Using the app you started in a terminal, on port {port}.")
        return base
