# Generated from solutions/ex06a_reminder.py by tools/make_exercises.py: edit the solution, then
# run `make exercises`. Your work goes where NotImplementedError is raised.
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
    raise NotImplementedError("Exercise 06a, schedule_reminder: not started. Read the docstring, then hint('06a') if you need the API.")
