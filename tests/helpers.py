"""Helpers the test modules share (fixtures live in conftest.py)."""

from __future__ import annotations

from pathlib import Path

from rq import SimpleWorker
from rq.serializers import JSONSerializer

from mailer_app.queues import AllowlistJob, all_queues

#: Screenshots and other files a person may want to look at after a run.
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def work(conn, queues=None) -> SimpleWorker:
    """Run every queued job in this process, highest priority first, then stop (burst)."""
    worker = SimpleWorker(queues or all_queues(conn), connection=conn,
                          serializer=JSONSerializer, job_class=AllowlistJob)
    worker.work(burst=True)
    return worker
