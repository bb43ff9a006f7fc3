"""Helpers the test modules share (fixtures live in conftest.py)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from rq import SimpleWorker
from rq.serializers import JSONSerializer

from mailer_app.queues import QUEUE_NAMES, AllowlistJob, get_queue
from workbook.demo_jobs import WorkbookJob
from workbook.kernels import SERVER_OPTION
from workbook.lab import lab_command, lab_env
from workbook.processes import start_on_free_port, start_process

#: Screenshots and other files a person may want to look at after a run.
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
#: The token of the JupyterLab servers tests start.
LAB_TOKEN = "workbook-test-token"


def work(conn, queues=None, job_class: type[AllowlistJob] = WorkbookJob) -> SimpleWorker:
    """Run every queued job in this process, highest priority first, then stop (burst).

    The job class decides what runs, as ``--job-class`` does for ``rq worker``: the workbook's
    :class:`~workbook.demo_jobs.WorkbookJob` by default (the app's jobs and the demo jobs), as
    :func:`workbook.services.worker_command` does; pass ``mailer_app.queues.AllowlistJob`` to
    be the app's worker (``make worker``), which refuses the demo jobs.
    """
    queues = queues or [get_queue(name, conn, job_class=job_class) for name in QUEUE_NAMES]
    worker = SimpleWorker(queues, connection=conn, serializer=JSONSerializer, job_class=job_class)
    worker.work(burst=True)
    return worker


@contextlib.contextmanager
def jupyter_lab(log_dir: Path, env: dict | None = None, **options) -> Iterator[str]:
    """JupyterLab with ``make lab``'s command line, on a free port; yield its URL, stop it.

    Its kernels use Unix sockets (:mod:`workbook.kernels`): the test run starts other kernels
    beside it, and over TCP two can be handed the same port.
    """
    extra = [*options.pop("extra", ()), SERVER_OPTION]
    env = {"PATH": lab_env()["PATH"], **(env or {})}
    lab, port = start_on_free_port(
        lambda port: start_process(lab_command(port=port, token=LAB_TOKEN, extra=extra,
                                               **options),
                                   name="jupyter-lab", env=env, log_dir=log_dir),
        what="JupyterLab", timeout=90)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        lab.stop()
