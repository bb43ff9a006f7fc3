"""What ``mailer_app.queues.get_queue`` guarantees a job, checked on the job itself."""

from __future__ import annotations

import json
import zlib

import pytest

from mailer_app.queues import AllowlistJob


def assert_made_by_get_queue(conn, job) -> None:
    """The job is stored as JSON and was made by the allowlisting job class, as get_queue does."""
    stored = conn.hget(f"rq:job:{job.id}", "data")
    assert stored is not None, f"no job {job.id!r} is stored in Redis"
    try:
        json.loads(zlib.decompress(stored))
    except (ValueError, zlib.error):
        pytest.fail(f"the job {job.id} is not stored as JSON (RQ's default pickle?): the workers "
                    "here read JSON only. Build the queue with mailer_app.queues.get_queue, which "
                    "gives it the JSON serializer")
    assert isinstance(job, AllowlistJob), (
        f"the job was made by {type(job).__name__}, not the allowlisting job class: build the "
        "queue with mailer_app.queues.get_queue, which gives it AllowlistJob")
