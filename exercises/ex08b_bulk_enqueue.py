# Generated from solutions/ex08b_bulk_enqueue.py by tools/make_exercises.py: edit the solution, then
# run `make exercises`. Your work goes where NotImplementedError is raised.
"""Exercise 08b: enqueue thousands of jobs in one round trip.

``queue.enqueue`` talks to Redis for every job. Complete ``enqueue_welcomes(queue,
user_ids)`` so it enqueues ``mailer_app.jobs.send_welcome_email(user_id)`` for every id, in
order, each with the job id ``welcome-<user_id>``, using ``Queue.prepare_data`` and
``queue.enqueue_many`` (one pipeline), and returns the jobs.

Hint (the idea): build every job's data first, then send them all to Redis together instead of
one request per job. Notebook 08, "Enqueue in bulk". Stuck? ``hint("08b")`` or
``make hint EX=08b``.
"""

from __future__ import annotations

from collections.abc import Iterable

from rq import Queue
from rq.job import Job

from mailer_app import jobs


def enqueue_welcomes(queue: Queue, user_ids: Iterable[int]) -> list[Job]:
    """Enqueue a welcome email per user id, in one round trip; return the jobs."""
    raise NotImplementedError("Exercise 08b, enqueue_welcomes: not started. Read the docstring, then hint('08b') if you need the API.")
