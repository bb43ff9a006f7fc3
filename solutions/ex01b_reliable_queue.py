"""Exercise 01b: a reliable worker loop that never loses a job it has taken.

With BRPOP, a worker that crashes after popping loses the job. The fix RQ also uses: move
the job atomically to a *processing* list, run it, and only then remove it (acknowledge).

Complete ``take`` and ``work_one``:

* ``take(conn, queue, processing, timeout)`` atomically moves the oldest item from ``queue``
  to ``processing`` and returns it as text, or None after ``timeout`` seconds.
* ``work_one(conn, queue, processing, handler, timeout)`` takes one item, calls
  ``handler(text)``, and removes it from ``processing`` only if the handler returned. If the
  handler raises, the item stays in ``processing`` (and the exception propagates). Returns
  True if an item was handled, False if the queue stayed empty.

Hint (the idea): two commands (take, then store) leave a moment where a crash loses the
item; Redis has a single command that does both at once. Notebook 01, "A queue is a list".
Stuck? ``hint("01b")`` or ``make hint EX=01b``.
"""

from __future__ import annotations

from collections.abc import Callable

import redis


def take(conn: redis.Redis, queue: str, processing: str, timeout: float = 1) -> str | None:
    """Move the oldest item of ``queue`` onto ``processing`` and return it (or None)."""
    ### HINT: BLMOVE (redis-py: blmove, with a source side and a destination side) moves
    ### HINT: atomically; decode the bytes.
    ### BEGIN SOLUTION
    item = conn.blmove(queue, processing, timeout, "RIGHT", "LEFT")
    return None if item is None else item.decode()
    ### END SOLUTION


def work_one(conn: redis.Redis, queue: str, processing: str,
             handler: Callable[[str], object], timeout: float = 1) -> bool:
    """Handle one item; acknowledge it (LREM from ``processing``) only after success."""
    ### HINT: Call take, then the handler; LREM on the processing list acknowledges, only after the
    ### HINT: handler.
    ### BEGIN SOLUTION
    item = take(conn, queue, processing, timeout)
    if item is None:
        return False
    handler(item)
    conn.lrem(processing, 1, item)
    return True
    ### END SOLUTION
