import contextlib

import ex08a_throughput as ex
import pytest
from rq import Worker
from rq.job import Job
from rq.serializers import JSONSerializer

from workbook import services
from workbook.demo_jobs import get_queue
from workbook.measure import most_at_once

pytestmark = [pytest.mark.exercise("08a"), pytest.mark.slow]


def jobs_at_once(conn) -> int:
    """The most finished jobs that were running at one moment, by RQ's own timestamps."""
    ids = get_queue("default", conn).finished_job_registry.get_job_ids()
    jobs = [j for j in Job.fetch_many(ids, connection=conn, serializer=JSONSerializer) if j]
    return most_at_once([(job.started_at, job.ended_at) for job in jobs])


@pytest.mark.timing
def test_more_workers_run_io_bound_jobs_at_the_same_time(redis_url, conn, env):
    # Counted, not timed: how much sooner four workers finish depends on how busy the
    # machine is while they start, but with n_workers at work, jobs run side by side.
    done_one, one = ex.measure(redis_url, 12, 1, 0.5)
    conn.flushall()
    done_four, _ = ex.measure(redis_url, 12, 4, 0.5)
    assert done_one == done_four == 12, (
        f"{done_one} and {done_four} of 12 jobs finished: enqueue n_jobs jobs and count the "
        "finished ones")
    assert one >= 12 * 0.5, (
        f"12 half-second jobs on one worker measured {one:.1f} s: stop the clock when they finish")
    at_once = jobs_at_once(conn)
    assert at_once >= 2, (
        f"with 4 workers, at most {at_once} job ran at a time (by the jobs' started_at and "
        "ended_at): start n_workers workers, all at once")

    assert Worker.count(connection=conn) == 0, "every worker must have stopped"


class SecondWorkerWouldNotStart(RuntimeError):
    pass


def test_a_failure_still_stops_every_worker_started(redis_url, env, monkeypatch):
    real_start_worker, started = services.start_worker, []

    def start_one_then_fail(*args, **kwargs):
        if started:
            raise SecondWorkerWouldNotStart("the second worker could not start")
        started.append(real_start_worker(*args, **kwargs))
        return started[-1]

    monkeypatch.setattr(services, "start_worker", start_one_then_fail)
    if hasattr(ex, "start_worker"):  # imported by name: from workbook.services import ...
        monkeypatch.setattr(ex, "start_worker", start_one_then_fail)
    try:
        with contextlib.suppress(SecondWorkerWouldNotStart):  # raise it or not: yours to say
            ex.measure(redis_url, 3, 2, 1)
        assert started, "measure started no worker with workbook.services.start_worker"
        assert not started[0].running(), (
            "when starting the second worker failed, the first one was still running: stop "
            "every worker you start, also when something fails (try/finally)")
    finally:
        for worker in started:
            worker.stop()
