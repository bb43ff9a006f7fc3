# Generated from solutions/ex04a_job_report.py by tools/make_exercises.py: edit the solution, then
# run `make exercises`. Your work goes where NotImplementedError is raised.
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
    raise NotImplementedError("Exercise 04a, job_report: not started. Read the docstring, then hint('04a') if you need the API.")
