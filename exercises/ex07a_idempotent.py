# Generated from solutions/ex07a_idempotent.py by tools/make_exercises.py: edit the solution, then
# run `make exercises`. Your work goes where NotImplementedError is raised.
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
    raise NotImplementedError('Exercise 07a, send_once: SET NX claims; on failure DELETE and raise; on success SET to "sent".')
