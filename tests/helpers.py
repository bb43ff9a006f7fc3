"""Helpers the test modules share (fixtures live in conftest.py)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from rq import SimpleWorker
from rq.serializers import JSONSerializer

from mailer_app.queues import QUEUE_NAMES, AllowlistJob, get_queue
from workbook.demo_jobs import WorkbookJob
from workbook.lab import lab_command, lab_env
from workbook.processes import free_port, port_open, start_process, wait_until

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
    """JupyterLab with ``make lab``'s command line, on a free port; yield its URL, stop it."""
    port = free_port()
    lab = start_process(lab_command(port=port, token=LAB_TOKEN, **options), name="jupyter-lab",
                        env={"PATH": lab_env()["PATH"], **(env or {})}, log_dir=log_dir)
    try:
        wait_until(lambda: port_open(port) or not lab.running(), 60, what="JupyterLab listening")
        assert lab.running(), lab.log()[-3000:]
        yield f"http://127.0.0.1:{port}"
    finally:
        lab.stop()
