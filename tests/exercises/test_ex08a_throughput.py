import contextlib

import ex08a_throughput as ex
import pytest
from rq import Worker

from workbook import services

pytestmark = [pytest.mark.exercise("08a"), pytest.mark.slow]


def test_more_workers_finish_io_bound_jobs_sooner(redis_url, conn, env):
    done_one, one = ex.measure(redis_url, 12, 1, 0.5)
    conn.flushall()
    done_four, four = ex.measure(redis_url, 12, 4, 0.5)
    assert done_one == done_four == 12, (
        f"{done_one} and {done_four} of 12 jobs finished: enqueue n_jobs jobs and count the "
        "finished ones")
    assert one >= 12 * 0.5, (
        f"12 half-second jobs on one worker measured {one:.1f} s: stop the clock when they finish")
    assert four < one * 0.7, (
        f"4 workers took {four:.1f} s and 1 took {one:.1f} s: start n_workers workers, all at once")

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
