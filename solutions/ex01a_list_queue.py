"""Exercise 01a: a queue built by hand on a Redis list.

A queue is a list: producers push on one end, a consumer pops from the other. Complete
``push_job`` and ``pop_job`` so that jobs come out in the order they went in (FIFO), as JSON.

Expected behaviour::

    push_job(conn, "jobs", {"email": "ada@example.com"})  # returns the new length, 1
    pop_job(conn, "jobs", timeout=1)                     # {"email": "ada@example.com"}
    pop_job(conn, "jobs", timeout=1)                     # None after waiting 1 s

Hint: LPUSH adds on the left; BRPOP blocks until something arrives on the right.
"""

from __future__ import annotations

import json

import redis


def push_job(conn: redis.Redis, queue: str, payload: dict) -> int:
    """Push ``payload`` (as JSON) onto the list ``queue``; return the list's new length."""
    ### HINT: json.dumps the payload and LPUSH it; return what LPUSH returns.
    ### BEGIN SOLUTION
    return conn.lpush(queue, json.dumps(payload))
    ### END SOLUTION


def pop_job(conn: redis.Redis, queue: str, timeout: float = 1) -> dict | None:
    """Wait up to ``timeout`` seconds for the oldest job on ``queue``; None if none came."""
    ### HINT: conn.brpop(queue, timeout=...) returns (key, value) or None; json.loads the value.
    ### BEGIN SOLUTION
    item = conn.brpop(queue, timeout=timeout)
    if item is None:
        return None
    return json.loads(item[1])
    ### END SOLUTION
