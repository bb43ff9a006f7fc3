"""Exercise 03a: enqueue the welcome email instead of sending it.

Complete ``enqueue_welcome(conn, user_id)`` so it puts
``mailer_app.jobs.send_welcome_email(user_id)`` on the ``mailers`` queue with the job id
``welcome-<user_id>``, and returns the job. Build the queue with
``mailer_app.queues.get_queue`` (JSON serializer, allowlisted jobs).

Hint: ``get_queue("mailers", conn).enqueue(func, user_id, job_id=...)``; pass the function
itself, imported from ``mailer_app.jobs``, never one defined in the notebook.
"""

from __future__ import annotations

import redis
from rq.job import Job

from mailer_app import jobs
from mailer_app.queues import get_queue


def enqueue_welcome(conn: redis.Redis, user_id: int) -> Job:
    """Enqueue the welcome email for ``user_id`` on the mailers queue and return the job."""
    ### HINT: get_queue("mailers", conn).enqueue(jobs.send_welcome_email, user_id, job_id=...)
    ### BEGIN SOLUTION
    return get_queue("mailers", conn).enqueue(
        jobs.send_welcome_email, user_id, job_id=f"welcome-{user_id}"
    )
    ### END SOLUTION
