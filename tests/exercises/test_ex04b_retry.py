import ex04b_retry as ex
import pytest

from tests.helpers import work
from workbook import demo_jobs
from workbook.demo_jobs import get_queue

pytestmark = pytest.mark.exercise("04b")


@pytest.mark.parametrize(("attempts", "base", "intervals"), [
    (3, 10, [10, 20, 40]), (1, 5, [5]), (5, 1, [1, 2, 4, 8, 16]),
])
def test_backoff_doubles(attempts, base, intervals):
    retry = ex.backoff_retry(attempts, base)
    assert retry.max == attempts, f"{attempts} attempts asked, the Retry allows {retry.max}"
    assert retry.intervals == intervals, (
        f"waits of {retry.intervals} s, not {intervals}: each wait doubles the one before")


def test_zero_attempts_is_refused():
    with pytest.raises(ValueError):
        ex.backoff_retry(0, 10)
        pytest.fail("backoff_retry(0, ...) was accepted: fewer than 1 attempt is a mistake")


def test_a_flaky_job_succeeds_on_a_later_attempt(conn):
    q = get_queue("default", conn)
    job = ex.enqueue_with_retry(q, demo_jobs.flaky, "attempts", 2, attempts=3, base=0)
    assert job.retries_left == 3 and job.retry_intervals == [0, 0, 0], (
        "the job was enqueued without the Retry from backoff_retry")
    work(conn, [q])
    assert job.get_status(refresh=True) == "finished", "the flaky job was not retried to success"
    assert int(conn.get("attempts")) == 3, "the flaky job should run 3 times: 2 failures, 1 success"
