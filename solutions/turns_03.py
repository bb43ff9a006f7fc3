"""Your turn in notebook 03: the solution, and the check its notebook cell runs.

tools/make_exercises.py writes each function under a "# Your turn:" comment into the notebook
cell tagged your-turn:<name>, with its solution block replaced by `...`.
"""

from __future__ import annotations

import json
import zlib

from mailer_app.queues import get_queue
from workbook.your_turn import same


# Your turn: return the import path of the function a worker will call for job `job_id`,
# read from the job's hash as the HGET cell above does (then zlib, then JSON).
def job_function(r, job_id):
    ### BEGIN SOLUTION
    return json.loads(zlib.decompress(r.hget(f"rq:job:{job_id}", "data")))[0]
    ### END SOLUTION


def check_job_function(job_function, r):
    """Yield one behaviour at a time, on jobs of the check's own, on a queue 03 never works."""
    queue = get_queue("low", r)
    welcome = queue.enqueue("mailer_app.jobs.send_welcome_email", 7, job_id="turn-03-welcome")
    followup = queue.enqueue("mailer_app.jobs.send_followup_email", 7, job_id="turn-03-followup")
    try:
        yield same("names the welcome job's function",
                   job_function(r, welcome.id), "mailer_app.jobs.send_welcome_email")
        yield same("reads the job it is given",
                   job_function(r, followup.id), "mailer_app.jobs.send_followup_email")
        yield same("leaves the jobs waiting",
                   {welcome.id, followup.id} <= set(queue.job_ids), True)
    finally:
        welcome.delete()
        followup.delete()
