"""Your turn in notebook 01: the solution, and the check its notebook cell runs.

tools/make_exercises.py writes each function under a "# Your turn:" comment into the notebook
cell tagged your-turn:<name>, with its solution block replaced by `...`.
"""

from __future__ import annotations

import json

from workbook.your_turn import same


# Your turn: return the job that has waited longest on `queue`, as a dict, without taking it
# off. The producer LPUSHes on the left; LRANGE counts -1 from the right.
def oldest_job(r, queue):
    ### BEGIN SOLUTION
    return json.loads(r.lrange(queue, -1, -1)[0])
    ### END SOLUTION


def check_oldest_job(oldest_job, r):
    """Yield one behaviour at a time, on keys of the check's own in the notebook's Redis."""
    queue, other = "turn:01:queue", "turn:01:other"
    try:
        r.delete(queue, other)
        for n in (1, 2, 3):
            r.lpush(queue, json.dumps({"job": "send_welcome_email", "user_id": n}))
        yield same("returns the job pushed first (the one BRPOP takes next)",
                   oldest_job(r, queue), {"job": "send_welcome_email", "user_id": 1})
        yield same("leaves all three jobs on the queue", r.llen(queue), 3)
        r.lpush(other, json.dumps({"job": "report"}))
        yield same("reads the queue it was given", oldest_job(r, other), {"job": "report"})
    finally:
        r.delete(queue, other)
