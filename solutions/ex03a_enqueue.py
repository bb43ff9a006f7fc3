"""Exercise 03a: make the signup enqueue the welcome email instead of sending it.

This is the workbook's central change, and the app runs *your* function: notebook 03 starts
the real app with ``MAIL_DELIVERY=ex03a_enqueue:enqueue_welcome``, signs someone up, and a
worker sends the email.

Complete ``enqueue_welcome(user_id, connection)`` so it puts the project's welcome-email job
function, ``mailer_app.jobs.send_welcome_email``, with the user's id as its only argument, on
the ``mailers`` queue (the one the notebook's worker listens on), and returns the job. Give the
job the id ``welcome-<user_id>``, so a second enqueue for the same user is refused. Build the
queue with ``mailer_app.queues.get_queue``, which sets the JSON serializer and the allowlist.

Hint (the idea): a job is a function's import path plus JSON arguments; the worker imports
the function and calls it later. Notebook 03, "Sign up, with no worker running yet", shows
what such a job looks like inside Redis. Stuck? ``hint("03a")`` or ``make hint EX=03a``.
"""

from __future__ import annotations

import redis
from rq.job import Job

from mailer_app import jobs
from mailer_app.queues import get_queue


def enqueue_welcome(user_id: int, connection: redis.Redis) -> Job:
    """Enqueue the welcome email for ``user_id`` on the mailers queue and return the job."""
    ### HINT: mailer_app.queues.get_queue gives the queue; its enqueue takes the function object
    ### HINT: and its arguments, and job_id as a keyword.
    ### BEGIN SOLUTION
    return get_queue("mailers", connection).enqueue(
        jobs.send_welcome_email, user_id, job_id=f"welcome-{user_id}"
    )
    ### END SOLUTION
