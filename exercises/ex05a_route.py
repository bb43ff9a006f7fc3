# Generated from solutions/ex05a_route.py by tools/make_exercises.py: edit the solution, then
# run `make exercises`. Your work goes where NotImplementedError is raised.
"""Exercise 05a: route each kind of job to the queue its urgency deserves.

The workbook's queues, highest priority first, are ``high``, ``default``, ``mailers`` and
``low``. Complete ``queue_for(kind)``:

* ``"password_reset"`` and ``"login_code"``: a user is waiting, so ``high``;
* ``"welcome"``, ``"followup"``: email, so ``mailers``;
* ``"digest"``, ``"report"``, ``"scrape"``: nobody waits, so ``low``;
* anything else: ``default``.

and ``enqueue_routed(conn, kind, func, *args)``, which enqueues on that queue (built with
``mailer_app.queues.get_queue``) and returns the job.

Hint (the idea): routing is a lookup from the kind of job to a queue name, with a fallback.
Notebook 05, "Named queues". Stuck? ``hint("05a")`` or ``make hint EX=05a``.
"""

from __future__ import annotations

import redis
from rq.job import Job

from mailer_app.queues import get_queue


def queue_for(kind: str) -> str:
    """The name of the queue that jobs of ``kind`` belong on."""
    raise NotImplementedError("Exercise 05a, queue_for: not started. Read the docstring, then hint('05a') if you need the API.")


def enqueue_routed(conn: redis.Redis, kind: str, func, *args) -> Job:
    """Enqueue ``func(*args)`` on the queue for ``kind``."""
    raise NotImplementedError("Exercise 05a, enqueue_routed: not started. Read the docstring, then hint('05a') if you need the API.")
