import ex05a_route as ex
import pytest

from mailer_app import jobs
from mailer_app.queues import QUEUE_NAMES, get_queue
from tests.exercises.queue_checks import assert_made_by_get_queue
from tests.helpers import work

pytestmark = pytest.mark.exercise("05a")


@pytest.mark.parametrize(("kind", "queue"), [
    ("password_reset", "high"), ("login_code", "high"), ("welcome", "mailers"),
    ("followup", "mailers"), ("digest", "low"), ("report", "low"), ("scrape", "low"),
    ("thumbnail", "default"), ("", "default"),
])
def test_each_kind_goes_to_its_queue(kind, queue):
    got = ex.queue_for(kind)
    assert got == queue, f"{kind!r} jobs went to {got!r}, not {queue!r}"


@pytest.mark.parametrize(("kind", "queue"), [
    ("password_reset", "high"), ("digest", "low"), ("thumbnail", "default"),
])
def test_enqueue_routed_puts_the_job_on_its_queue(conn, kind, queue):
    job = ex.enqueue_routed(conn, kind, jobs.add, 1, 2)
    assert job.origin == queue, f"a {kind!r} job was enqueued on {job.origin!r}, not {queue!r}"
    queued = {name: get_queue(name, conn).job_ids for name in QUEUE_NAMES}
    assert queued == {name: [job.id] if name == queue else [] for name in QUEUE_NAMES}, (
        f"expected the returned job on {queue!r} alone, found {queued}")
    assert job.func_name == "mailer_app.jobs.add" and list(job.args) == [1, 2], (
        f"the job calls {job.func_name}{tuple(job.args)}: enqueue func(*args), add(1, 2)")


def test_the_queue_comes_from_get_queue(conn):
    job = ex.enqueue_routed(conn, "welcome", jobs.add, 1, 2)
    assert_made_by_get_queue(conn, job)
    work(conn, [get_queue("mailers", conn)])
    assert job.return_value(refresh=True) == 3, "a worker here could not run the routed job"
