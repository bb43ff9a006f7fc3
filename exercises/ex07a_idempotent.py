# Generated from solutions/ex07a_idempotent.py by tools/make_exercises.py: edit the solution, then
# run `make exercises`. Your work goes where NotImplementedError is raised.
"""Exercise 07a: an idempotent send, safe under retries and duplicate jobs.

At-least-once delivery means a job may run twice. Complete ``send_once(conn, key, send)``:
call ``send()`` at most once per ``key``, however many times (or how concurrently)
``send_once`` is called, and return True if this call sent, False if it was already done.

* Claim the key atomically before sending, so two concurrent callers cannot both send. The
  claim expires after ``claim_seconds``, so a worker that dies mid-send cannot block the
  email forever.
* If ``send()`` raises, release the claim (so a retry can send) and re-raise.
* After a successful send, mark the key done for ``ttl`` seconds (default one week).

Hint (the idea): one Redis command can set a key only if it is absent *and* give it an
expiry; whoever sets it owns the send. Notebook 07, "Retries that send the email twice".
Stuck? ``hint("07a")`` or ``make hint EX=07a``.
"""

from __future__ import annotations

from collections.abc import Callable

import redis

WEEK = 7 * 24 * 3600


def send_once(conn: redis.Redis, key: str, send: Callable[[], object], ttl: int = WEEK,
              claim_seconds: int = 300) -> bool:
    """Run ``send()`` once per ``key``; True if this call sent."""
    raise NotImplementedError("Exercise 07a, send_once: not started. Read the docstring, then hint('07a') if you need the API.")
