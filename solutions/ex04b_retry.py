"""Exercise 04b: retry with exponential backoff.

Sidekiq retries failed jobs with a growing delay. Complete ``backoff_retry(attempts, base)``
so it returns an ``rq.Retry`` that allows ``attempts`` more tries, waiting
``base``, ``2*base``, ``4*base``, ... seconds before each (so ``backoff_retry(3, 10)`` waits
10, 20 and 40 s); fewer than 1 attempt is a mistake, so raise ``ValueError``. Then complete
``enqueue_with_retry(queue, func, *args, attempts, base)``, which enqueues ``func(*args)`` on
``queue`` with that policy and returns the job.

Remember: retries with intervals are scheduled jobs, so the worker needs ``--with-scheduler``.

Hint (the idea): RQ's ``Retry`` takes how many more tries and how long to wait before each;
exponential backoff doubles the wait every time. Notebook 04, "When a job fails".
Stuck? ``hint("04b")`` or ``make hint EX=04b``.
"""

from __future__ import annotations

from rq import Queue, Retry
from rq.job import Job


def backoff_retry(attempts: int, base: float) -> Retry:
    """A Retry of ``attempts`` tries, each waiting twice as long as the one before."""
    ### HINT: ValueError for fewer than 1 attempt; rq.Retry(max=..., interval=[...]) with one wait
    ### HINT: per attempt, each twice the one before.
    ### BEGIN SOLUTION
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    return Retry(max=attempts, interval=[int(base * 2**i) for i in range(attempts)])
    ### END SOLUTION


def enqueue_with_retry(queue: Queue, func, *args, attempts: int = 3, base: float = 10) -> Job:
    """Enqueue ``func(*args)`` on ``queue`` with :func:`backoff_retry`."""
    ### HINT: Pass the Retry to queue.enqueue through its retry keyword.
    ### BEGIN SOLUTION
    return queue.enqueue(func, *args, retry=backoff_retry(attempts, base))
    ### END SOLUTION
