import ex05a_route as ex
import pytest

from mailer_app import jobs
from mailer_app.queues import QUEUE_NAMES, AllowlistJob, get_queue
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


# The app's own job: a student's queue is the app's (mailer_app.queues.get_queue), whose job
# class refuses the workbook's demo jobs (workbook.demo_jobs.add and the like).
@pytest.mark.parametrize(("kind", "queue"), [
    ("password_reset", "high"), ("digest", "low"), ("thumbnail", "default"),
])
def test_enqueue_routed_puts_the_job_on_its_queue(conn, kind, queue):
    job = ex.enqueue_routed(conn, kind, jobs.send_welcome_email, 7)
    assert job.origin == queue, f"a {kind!r} job was enqueued on {job.origin!r}, not {queue!r}"
    queued = {name: get_queue(name, conn).job_ids for name in QUEUE_NAMES}
    assert queued == {name: [job.id] if name == queue else [] for name in QUEUE_NAMES}, (
        f"expected the returned job on {queue!r} alone, found {queued}")
    assert job.func_name == "mailer_app.jobs.send_welcome_email" and list(job.args) == [7], (
        f"the job calls {job.func_name}{tuple(job.args)}: enqueue func(*args), "
        "send_welcome_email(7)")


def test_the_queue_comes_from_get_queue(conn, add_user):
    user_id = add_user()
    job = ex.enqueue_routed(conn, "welcome", jobs.send_welcome_email, user_id)
    assert_made_by_get_queue(conn, job)
    work(conn, [get_queue("mailers", conn)], job_class=AllowlistJob)
    result = job.return_value(refresh=True)
    assert result and result["status"] == "sent", (
        f"the app's worker could not run the routed welcome job: it returned {result!r}")
