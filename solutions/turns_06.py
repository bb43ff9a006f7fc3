"""Your turn in notebook 06: the solution, and the check its notebook cell runs.

tools/make_exercises.py writes each function under a "# Your turn:" comment into the notebook
cell tagged your-turn:<name>, with its solution block replaced by `...`.
"""

from __future__ import annotations

import time
from datetime import timedelta

from rq import Queue

from workbook import demo_jobs
from workbook.your_turn import same


# Your turn: return the ids (as text) of `queue`'s scheduled jobs that are due within `seconds`
# from now. The scheduled registry is a sorted set scored by the Unix time each job is due.
def due_within(queue, seconds):
    ### BEGIN SOLUTION
    due = queue.connection.zrangebyscore(queue.scheduled_job_registry.key, "-inf",
                                         time.time() + seconds)
    return [job_id.decode() for job_id in due]
    ### END SOLUTION


def check_due_within(due_within, r):
    """Yield one behaviour at a time, on a scratch queue that no scheduler serves."""
    scratch = Queue("turn-06", connection=r)
    planned = {"turn-06-soon": 10, "turn-06-later": 100, "turn-06-tomorrow": 86400}
    try:
        for job_id, seconds in planned.items():
            scratch.enqueue_in(timedelta(seconds=seconds), demo_jobs.noop, job_id=job_id)
        yield same("due within a minute: only the one due in ten seconds",
                   sorted(due_within(scratch, 60)), ["turn-06-soon"])
        yield same("due within ten minutes: two of them",
                   sorted(due_within(scratch, 600)), ["turn-06-later", "turn-06-soon"])
        yield same("due now: none yet", sorted(due_within(scratch, 0)), [])
    finally:
        for job_id in planned:
            if job := scratch.fetch_job(job_id):
                job.delete()
        r.delete(scratch.scheduled_job_registry.key)
        scratch.delete(delete_jobs=True)  # and off the set of known queues
