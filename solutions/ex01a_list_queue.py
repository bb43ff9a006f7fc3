"""Exercise 01a: a queue built by hand on a Redis list.

A queue is a list: producers push on one end, a consumer pops from the other. Complete
``push_job`` and ``pop_job`` so that jobs come out in the order they went in (FIFO), as JSON.

Expected behaviour::

    push_job(conn, "jobs", {"email": "ada@example.com"})  # returns the new length, 1
    pop_job(conn, "jobs", timeout=1)                     # {"email": "ada@example.com"}
    pop_job(conn, "jobs", timeout=1)                     # None after waiting 1 s

``pop_job`` blocks: while it waits, a job pushed by someone else comes out at once, not when
the timeout is over.

Hint (the idea): a list has two ends; if producers add at one end and the consumer
takes from the other, the oldest item leaves first. Notebook 01, "A queue is a list", builds
one by hand. Stuck? ``hint("01a")`` in a notebook, or ``make hint EX=01a``.
"""

from __future__ import annotations

import json

import redis


def push_job(conn: redis.Redis, queue: str, payload: dict) -> int:
    """Push ``payload`` (as JSON) onto the list ``queue``; return the list's new length."""
    ### HINT: json.dumps turns the dict into text; LPUSH adds at the left and returns the new
    ### HINT: length.
    ### BEGIN SOLUTION
    return conn.lpush(queue, json.dumps(payload))
    ### END SOLUTION


def pop_job(conn: redis.Redis, queue: str, timeout: float = 1) -> dict | None:
    """Take the oldest job off ``queue``, waiting up to ``timeout`` s for one; None if none came."""
    ### HINT: BRPOP blocks on the right end; it gives a (key, value) pair, or None after the
    ### HINT: timeout.
    ### BEGIN SOLUTION
    item = conn.brpop(queue, timeout=timeout)
    if item is None:
        return None
    return json.loads(item[1])
    ### END SOLUTION
