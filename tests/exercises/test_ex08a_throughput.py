import ex08a_throughput as ex
import pytest
from rq import Worker

pytestmark = [pytest.mark.exercise("08a"), pytest.mark.slow]


def test_more_workers_finish_io_bound_jobs_sooner(redis_url, conn, env):
    done_one, one = ex.measure(redis_url, 12, 1, 0.5)
    conn.flushall()
    done_four, four = ex.measure(redis_url, 12, 4, 0.5)
    assert done_one == done_four == 12
    assert one >= 12 * 0.5, (
        f"12 half-second jobs on one worker measured {one:.1f} s: stop the clock when they finish")
    assert four < one * 0.7, (
        f"4 workers took {four:.1f} s and 1 took {one:.1f} s: start n_workers workers, all at once")

    assert Worker.count(connection=conn) == 0, "every worker must have stopped"
