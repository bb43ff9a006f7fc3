"""Exercise 04a: report what happened to a job, as a support engineer would need it.

Complete ``job_report(conn, job_id)``, returning a dict:

* ``{"id": ..., "status": "finished", "result": <return value>}`` for a finished job;
* ``{"id": ..., "status": "failed", "error": "<last line of the traceback>"}`` for a failed
  one (for example ``"RuntimeError: the mail server said no"``);
* ``{"id": ..., "status": <status>}`` for any other status (queued, started, scheduled...);
* ``{"id": ..., "status": "missing"}`` when no such job exists (expired, or a typo).

Hint (the idea): fetch the job by id (a missing one is an exception to catch), then let
its status decide what else goes in the report. Notebook 04, "A job's life" and "When a job
fails". Stuck? ``hint("04a")`` or ``make hint EX=04a``.
"""

from __future__ import annotations

import redis
from rq.exceptions import NoSuchJobError
from rq.job import Job
from rq.serializers import JSONSerializer


def job_report(conn: redis.Redis, job_id: str) -> dict:
    """Return the status of ``job_id`` with its result or its error."""
    ### HINT: Job.fetch with the JSON serializer raises NoSuchJobError; get_status().value;
    ### HINT: return_value(); latest_result().exc_string, last non-empty line.
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
