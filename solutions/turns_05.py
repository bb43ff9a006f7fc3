"""Your turn in notebook 05: the solution, and the check its notebook cell runs.

tools/make_exercises.py writes each function under a "# Your turn:" comment into the notebook
cell tagged your-turn:<name>, with its solution block replaced by `...`.
"""

from __future__ import annotations

from rq import Queue

from workbook import demo_jobs
from workbook.your_turn import same


# Your turn: a worker listens on `queues` (Queue objects, in its command line's order). Return
# the name of the queue its next job comes from, or None when all are empty.
def next_queue(queues):
    ### BEGIN SOLUTION
    for queue in queues:
        if queue.count:
            return queue.name
    return None
    ### END SOLUTION


def check_next_queue(next_queue, r):
    """Yield one behaviour at a time, on scratch queues that no worker listens on."""
    high, default, low = (Queue(f"turn-05-{name}", connection=r)
                          for name in ("high", "default", "low"))
    try:
        yield same("all queues empty: None", next_queue([high, default, low]), None)
        low.enqueue(demo_jobs.noop)
        default.enqueue(demo_jobs.noop)
        yield same("skips the empty first queue and takes the first with work",
                   next_queue([high, default, low]), "turn-05-default")
        yield same("follows the order it is given, not the names",
                   next_queue([low, default, high]), "turn-05-low")
        high.enqueue(demo_jobs.noop)
        yield same("a job on the first queue goes first, whenever it came",
                   next_queue([high, default, low]), "turn-05-high")
    finally:
        for queue in (high, default, low):
            queue.delete(delete_jobs=True)
