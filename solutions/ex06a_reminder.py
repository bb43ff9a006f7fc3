"""Exercise 06a: schedule a reminder email for a given moment.

Complete ``schedule_reminder(conn, user_id, when)``: schedule
``mailer_app.jobs.send_followup_email(user_id)`` on the ``mailers`` queue to run at ``when``,
with the job id ``reminder-<user_id>``, and return the job. Build the queue with
``mailer_app.queues.get_queue``, so the job is stored as JSON for the workers here.

* ``when`` must be timezone-aware: RQ reads a naive datetime as local time, which is how
  reminders end up hours early or late. Raise ``ValueError`` for a naive one.
* ``when`` in the past is a mistake too: raise ``ValueError``.

Hint (the idea): refuse what RQ would misread (a time without a time zone) or could never
run (the past) before scheduling. Notebook 06, "Run this at a moment: ``enqueue_at``".
Stuck? ``hint("06a")`` or ``make hint EX=06a``.
"""

from __future__ import annotations

from datetime import UTC, datetime

import redis
from rq.job import Job

from mailer_app import jobs
from mailer_app.queues import get_queue


def schedule_reminder(conn: redis.Redis, user_id: int, when: datetime) -> Job:
    """Schedule the reminder for ``user_id`` at ``when`` (aware, in the future)."""
    ### HINT: when.tzinfo tells an aware time from a naive one; compare with datetime.now(UTC); the
    ### HINT: queue's enqueue_at takes the moment first.
    ### BEGIN SOLUTION
    if when.tzinfo is None:
        raise ValueError("when must be timezone-aware, e.g. datetime.now(UTC) + timedelta(...)")
    if when <= datetime.now(UTC):
        raise ValueError("when is in the past")
    return get_queue("mailers", conn).enqueue_at(
        when, jobs.send_followup_email, user_id, job_id=f"reminder-{user_id}"
    )
    ### END SOLUTION
