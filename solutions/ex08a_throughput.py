"""Exercise 08a: measure throughput with N real worker processes.

Complete ``measure(redis_url, n_jobs, n_workers, seconds_per_job)``: enqueue ``n_jobs`` jobs
of ``workbook.demo_jobs.sleep_for(seconds_per_job)`` on the ``default`` queue, start
``n_workers`` burst workers (``workbook.services.start_worker(..., burst=True)``), wait
for all of them to exit, and return ``(jobs_finished, wall_seconds)``, measured from just
before the workers start until the last one exits. Stop every worker you start, also when
something fails.

Hint (the idea): put every job on the queue first, then start the workers together and
time until the last one has finished; stop them whatever happens. Notebook 08, "I/O-bound
jobs: why more workers help". Stuck? ``hint("08a")`` or ``make hint EX=08a``.
"""

from __future__ import annotations

import time

from mailer_app.queues import get_connection
from workbook import services
from workbook.demo_jobs import get_queue, sleep_for


def measure(redis_url: str, n_jobs: int, n_workers: int,
            seconds_per_job: float) -> tuple[int, float]:
    """Run ``n_jobs`` sleeping jobs on ``n_workers`` workers; return (finished, seconds)."""
    queue = get_queue("default", get_connection(redis_url))
    ### HINT: enqueue_many with prepare_data; workbook.services.start_worker(..., burst=True);
    ### HINT: wait() each, stop() each in a finally; count the finished registry.
    ### BEGIN SOLUTION
    queue.enqueue_many([queue.prepare_data(sleep_for, [seconds_per_job])
                        for _ in range(n_jobs)])
    workers = []
    started = time.perf_counter()
    try:
        for _ in range(n_workers):
            workers.append(services.start_worker(redis_url, ["default"], burst=True,
                                                 with_scheduler=False))
        for worker in workers:
            worker.wait(timeout=300)
        elapsed = time.perf_counter() - started
    finally:
        for worker in workers:
            worker.stop()
    return queue.finished_job_registry.count, elapsed
    ### END SOLUTION
