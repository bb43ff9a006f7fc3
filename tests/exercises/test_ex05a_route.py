import ex05a_route as ex
import pytest

from mailer_app import jobs
from mailer_app.queues import get_queue

pytestmark = pytest.mark.exercise("05a")


@pytest.mark.parametrize(("kind", "queue"), [
    ("password_reset", "high"), ("login_code", "high"), ("welcome", "mailers"),
    ("followup", "mailers"), ("digest", "low"), ("report", "low"), ("scrape", "low"),
    ("thumbnail", "default"), ("", "default"),
])
def test_each_kind_goes_to_its_queue(kind, queue):
    got = ex.queue_for(kind)
    assert got == queue, f"{kind!r} jobs went to {got!r}, not {queue!r}"


def test_enqueue_routed_puts_the_job_on_its_queue(conn):
    job = ex.enqueue_routed(conn, "password_reset", jobs.add, 1, 2)
    assert job.origin == "high", f"a password reset was enqueued on {job.origin!r}, not 'high'"
    assert get_queue("high", conn).job_ids == [job.id]
    assert get_queue("default", conn).count == 0
