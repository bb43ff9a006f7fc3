"""Your turn in notebook 07: the solution, and the check its notebook cell runs.

tools/make_exercises.py writes each function under a "# Your turn:" comment into the notebook
cell tagged your-turn:<name>, with its solution block replaced by `...`.
"""

from __future__ import annotations

from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer

from workbook import demo_jobs
from workbook.your_turn import same


# Your turn: after a crash, say what `job` needs: "requeue" if it failed, "wait" if it still
# claims to be started (a live worker's maintenance will move it on), "nothing" if it finished.
def after_the_crash(job):
    ### BEGIN SOLUTION
    status = job.get_status(refresh=True)
    if status == "failed":
        return "requeue"
    return "wait" if status == "started" else "nothing"
    ### END SOLUTION


def check_after_the_crash(after_the_crash, victim, orphan):
    """Yield one behaviour at a time, on the notebook's ``victim`` and ``orphan`` jobs."""
    yield same("victim (its horse was killed): requeue", after_the_crash(victim), "requeue")
    yield same("orphan (its whole worker was killed): wait", after_the_crash(orphan), "wait")
    # A finished job of the check's own: the notebook's expire 500 s after they finish.
    done = Job.create(demo_jobs.noop, connection=victim.connection, id="turn-07-done",
                      serializer=JSONSerializer)
    try:
        done.save()
        done.set_status(JobStatus.FINISHED)
        yield same("a job that finished: nothing", after_the_crash(done), "nothing")
    finally:
        done.delete()
