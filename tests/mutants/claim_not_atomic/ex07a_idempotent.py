"""Exercise 07a: an idempotent send, safe under retries and duplicate jobs.

At-least-once delivery means a job may run twice. Complete ``send_once(conn, key, send)``:
call ``send()`` at most once per ``key``, however many times (or how concurrently)
``send_once`` is called, and return True if this call sent, False if it was already done.

* Claim the key atomically before sending, so two concurrent callers cannot both send.
* If ``send()`` raises, release the claim (so a retry can send) and re-raise.
* After a successful send, mark the key done for ``ttl`` seconds (default one week).

Hint: ``conn.set(key, "sending", nx=True, ex=...)`` claims; ``conn.set(key, "sent", ex=ttl)``
marks done; ``conn.delete(key)`` releases.
"""

from __future__ import annotations

from collections.abc import Callable

import redis

WEEK = 7 * 24 * 3600


def send_once(conn: redis.Redis, key: str, send: Callable[[], object], ttl: int = WEEK,
              claim_seconds: int = 300) -> bool:
    """Run ``send()`` once per ``key``; True if this call sent."""
    ### HINT: SET NX claims; on failure DELETE and raise; on success SET to "sent".
    ### BEGIN SOLUTION
    if conn.get(key) is not None:  # check, then set: two callers can both pass
        return False
    conn.set(key, "sending", ex=claim_seconds)
    try:
        send()
    except BaseException:
        conn.delete(key)
        raise
    conn.set(key, "sent", ex=ttl)
    return True
    ### END SOLUTION
