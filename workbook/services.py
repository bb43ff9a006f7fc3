"""The app's own processes, started for real: ``rq worker``, ``rq cron`` and the web server.

The command lines here are the ones a student can type in a terminal (``worker_command``
prints as the README's ``make worker``), run with this interpreter and stopped by PID.

A Redis URL that holds a password never goes on a command line, which every user of the
machine can read in ``/proc/<pid>/cmdline`` (``ps``): it goes in the child's environment as
``RQ_REDIS_URL``, which ``rq worker`` and ``rq cron`` read when ``--url`` is absent
(:func:`url_env`). A password-free URL stays ``--url``, so the printed command is the one a
student types.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import sys
from collections.abc import Iterator, Sequence
from urllib.parse import urlsplit

import psutil
from rq import Worker

from mailer_app.queues import QUEUE_NAMES, SERIALIZER
from mailer_app.redis_client import connect
from mailer_app.worker import WORKER_CLASS
from workbook.demo_jobs import JOB_CLASS as WORKBOOK_JOB_CLASS
from workbook.processes import ManagedProcess, start_on_free_port, start_process, wait_until

#: RQ's worker classes, each with the app's variant that stops when asked (mailer_app/worker.py).
STOPPING_CLASSES = {
    f"{module}.{name}": f"mailer_app.worker.{name}"
    for module in ("rq", "rq.worker") for name in ("Worker", "SimpleWorker", "SpawnWorker")
}


def url_option(redis_url: str | None) -> list[str]:
    """``["--url", URL]`` for a password-free URL; nothing when it holds a password."""
    if redis_url is None or urlsplit(redis_url).password:
        return []
    return ["--url", redis_url]


def url_env(redis_url: str | None) -> dict[str, str]:
    """The environment that carries ``redis_url`` when :func:`url_option` leaves it out."""
    if redis_url is None or not urlsplit(redis_url).password:
        return {}
    return {"RQ_REDIS_URL": redis_url}


def worker_class_option(worker_class: str | None = None) -> list[str]:
    """``--worker-class``: the app's worker, or the app's variant of the RQ class asked for.

    RQ 3.0's classes can wait a second on their pub/sub thread when they stop; the app's
    (:mod:`mailer_app.worker`) stop at once. Every ``rq worker`` and ``rq worker-pool`` the
    workbook starts gets one.
    """
    return ["--worker-class", STOPPING_CLASSES.get(worker_class, worker_class or WORKER_CLASS)]


def worker_command(
    redis_url: str | None,
    queues: Sequence[str] | None = None,
    *,
    config: str | None = None,
    burst: bool = False,
    with_scheduler: bool = True,
    worker_class: str | None = None,
    job_class: str = WORKBOOK_JOB_CLASS,
    extra_args: Sequence[str] = (),
) -> list[str]:
    """Return the ``rq worker`` command line the workbook uses, as a list of arguments.

    ``job_class`` is the workbook's by default, which admits the demo jobs of
    :mod:`workbook.demo_jobs`; the app's worker (``make worker``, the worker a student starts
    in a terminal) passes :data:`mailer_app.queues.JOB_CLASS`, which refuses them.

    ``config`` names a settings module instead of a URL (``rq worker -c``): how a worker finds
    Redis through Sentinel. A URL with a password is left out: run the command with
    :func:`url_env` in its environment.
    """
    cmd = [
        sys.executable, "-m", "rq.cli", "worker",
        *(["-c", config] if config else url_option(redis_url)),
        "--serializer", SERIALIZER,
        "--job-class", job_class,
    ]
    if with_scheduler:
        cmd.append("--with-scheduler")
    if burst:
        cmd.append("--burst")
    cmd += worker_class_option(worker_class)
    cmd += list(extra_args)
    cmd += list(queues or QUEUE_NAMES)
    return cmd


def as_typed(cmd: Sequence[str]) -> str:
    """``cmd`` as a student would type it in a terminal of the activated environment."""
    words = list(cmd)
    if words[:3] == [sys.executable, "-m", "rq.cli"]:
        words = ["rq", *words[3:]]
    elif words[:3] == [sys.executable, "-m", "flask"]:
        words = ["flask", *words[3:]]
    return shlex.join(words)


def wait_for_workers(redis_url: str, count: int, process: ManagedProcess | None = None,
                     timeout: float = 30) -> None:
    """Wait until ``count`` workers have registered with Redis."""
    conn = connect(redis_url)

    def registered() -> bool:
        if process is not None and not process.running():
            raise RuntimeError(f"{process.name} exited early:\n{process.log()[-3000:]}")
        return Worker.count(connection=conn) >= count

    wait_until(registered, timeout, what=f"{count} worker(s) registering")


def start_worker(
    redis_url: str, queues=None, *, env=None, log_dir=None, **kwargs
) -> ManagedProcess:
    """Start a real ``rq worker`` process (same interpreter) and wait until it registers."""
    process = start_process(
        worker_command(redis_url, queues, **kwargs), name="worker",
        env={**url_env(None if kwargs.get("config") else redis_url), **(env or {})},
        log_dir=log_dir,
    )
    if not kwargs.get("burst"):
        try:
            wait_for_workers(redis_url, 1, process)
        except BaseException:
            process.stop()
            raise
    return process


@contextlib.contextmanager
def rq_worker(redis_url: str, queues=None, **kwargs) -> Iterator[ManagedProcess]:
    """Run a real ``rq worker`` for the ``with`` block, then stop it by PID (warm, then cold)."""
    worker = start_worker(redis_url, queues, **kwargs)
    try:
        yield worker
    finally:
        worker.stop()


def work_horse_pid(worker: ManagedProcess, timeout: float = 30) -> int:
    """The PID of the work-horse a forking worker forked for its current job.

    RQ's horse calls ``setpgrp()``, so it is the child that leads its own process group; the
    scheduler process (``--with-scheduler``) stays in the worker's group.
    """
    found: list[int] = []

    def horse_forked() -> bool:
        for child in psutil.Process(worker.pid).children():
            with contextlib.suppress(ProcessLookupError, psutil.Error):
                if os.getpgid(child.pid) == child.pid:
                    found.append(child.pid)
                    return True
        return False

    wait_until(horse_forked, timeout, interval=0.02, what="the worker forking a work-horse")
    return found[0]


def cron_command(redis_url: str, config: str = "mailer_app.cron") -> list[str]:
    """Return the ``rq cron`` command line for the app's recurring jobs (see :func:`url_env`)."""
    return [sys.executable, "-m", "rq.cli", "cron", config, *url_option(redis_url),
            "--serializer", SERIALIZER]


@contextlib.contextmanager
def rq_cron(redis_url: str, config: str = "mailer_app.cron", env=None) -> Iterator[ManagedProcess]:
    """Run one ``rq cron`` scheduler for the ``with`` block, then stop it by PID."""
    process = start_process(cron_command(redis_url, config), name="cron",
                            env={**url_env(redis_url), **(env or {})})
    try:
        yield process
    finally:
        process.stop()


def relay_command(redis_url: str | None = None) -> list[str]:
    """The relay of ``MAIL_DELIVERY=relayed`` (Redis from ``REDIS_URL``: see :func:`url_env`)."""
    return [sys.executable, "-m", "mailer_app.relay"]


def web_command(port: int, threads: bool = True) -> list[str]:
    """The ``flask run`` command line that serves the mailer app on loopback."""
    cmd = [sys.executable, "-m", "flask", "--app", "mailer_app", "run", "--host", "127.0.0.1",
           "--port", str(port), "--no-reload", "--no-debugger"]
    return cmd + (["--with-threads"] if threads else ["--without-threads"])


def start_web(env: dict, port: int | None = None, log_dir=None,
              **kwargs) -> tuple[ManagedProcess, str]:
    """Start the mailer app over real HTTP and wait until it listens; return it and its URL."""
    process, port = start_on_free_port(
        lambda port: start_process(web_command(port, **kwargs), name="web", env=env,
                                   log_dir=log_dir),
        what="the web server", timeout=60, port=port)
    return process, f"http://127.0.0.1:{port}"


@contextlib.contextmanager
def web_server(env: dict, port: int | None = None, **kwargs) -> Iterator[str]:
    """Serve the mailer app over real HTTP (werkzeug, threaded) and yield its base URL."""
    process, base = start_web(env, port, **kwargs)
    try:
        yield base
    finally:
        process.stop()
