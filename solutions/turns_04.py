"""Your turn in notebook 04: the solution, and the check its notebook cell runs.

tools/make_exercises.py writes each function under a "# Your turn:" comment into the notebook
cell tagged your-turn:<name>, with its solution block replaced by `...`.
"""

from __future__ import annotations

from rq import Queue

from workbook import demo_jobs
from workbook.your_turn import same


# Your turn: count `queue`'s jobs in three states, as a dict with the keys "queued",
# "started" and "finished". The cells above read each place a job can be.
def job_counts(queue):
    ### BEGIN SOLUTION
    return {"queued": queue.count,
            "started": len(queue.started_job_registry.get_job_ids()),
            "finished": len(queue.finished_job_registry.get_job_ids())}
    ### END SOLUTION


def check_job_counts(job_counts, queue):
    """Yield one behaviour at a time: on the notebook's ``queue``, then on a scratch queue."""
    expected = {"queued": queue.count,
                "started": len(queue.started_job_registry.get_job_ids()),
                "finished": len(queue.finished_job_registry.get_job_ids())}
    yield same(f"counts {queue.name!r} as RQ does", job_counts(queue), expected)
    # No worker listens on this queue, so its jobs stay queued until the check deletes them.
    scratch = Queue("turn-04", connection=queue.connection, serializer=queue.serializer)
    try:
        for n in (1, 2):
            scratch.enqueue(demo_jobs.add, n, n)
        yield same("counts two jobs waiting on a queue nobody works",
                   job_counts(scratch), {"queued": 2, "started": 0, "finished": 0})
    finally:
        scratch.delete(delete_jobs=True)
