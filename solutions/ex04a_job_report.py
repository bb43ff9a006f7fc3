"""Exercise 04a: report what happened to a job, as a support engineer would need it.

Complete ``job_report(conn, job_id)``, returning a dict:

* ``{"id": ..., "status": "finished", "result": <return value>}`` for a finished job;
* ``{"id": ..., "status": "failed", "error": "<last line of the traceback>"}`` for a failed
  one (for example ``"RuntimeError: the mail server said no"``);
* ``{"id": ..., "status": <status>}`` for any other status (queued, started, scheduled...);
* ``{"id": ..., "status": "missing"}`` when no such job exists (expired, or a typo).

Hint: ``Job.fetch(job_id, connection=conn, serializer=JSONSerializer)`` raises
``NoSuchJobError``; ``job.get_status()``, ``job.return_value()``, and
``job.latest_result().exc_string`` hold the rest.
"""

from __future__ import annotations

import redis
from rq.exceptions import NoSuchJobError
from rq.job import Job
from rq.serializers import JSONSerializer


def job_report(conn: redis.Redis, job_id: str) -> dict:
    """Return the status of ``job_id`` with its result or its error."""
    ### HINT: fetch, then branch on job.get_status(); strip() the traceback and take its last line.
    ### BEGIN SOLUTION
    try:
        job = Job.fetch(job_id, connection=conn, serializer=JSONSerializer)
    except NoSuchJobError:
        return {"id": job_id, "status": "missing"}
    status = job.get_status().value
    report = {"id": job_id, "status": status}
    if status == "finished":
        report["result"] = job.return_value()
    elif status == "failed":
        report["error"] = job.latest_result().exc_string.strip().splitlines()[-1]
    return report
    ### END SOLUTION
