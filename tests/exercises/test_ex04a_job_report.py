import ex04a_job_report as ex
import pytest

from mailer_app import jobs
from mailer_app.queues import get_queue
from tests.helpers import work

pytestmark = pytest.mark.exercise("04a")


def _run(conn, queue):
    work(conn, [queue])


def test_finished_failed_queued_and_missing(conn):
    q = get_queue("default", conn)
    ok = q.enqueue(jobs.add, 2, 3, job_id="ok")
    bad = q.enqueue(jobs.fail, "the mail server said no", job_id="bad")
    _run(conn, q)
    waiting = q.enqueue(jobs.noop, job_id="waiting")
    assert ex.job_report(conn, ok.id) == {"id": "ok", "status": "finished", "result": 5}
    assert ex.job_report(conn, bad.id) == {
        "id": "bad", "status": "failed", "error": "RuntimeError: the mail server said no"}
    assert ex.job_report(conn, waiting.id) == {"id": "waiting", "status": "queued"}
    assert ex.job_report(conn, "no-such-job") == {"id": "no-such-job", "status": "missing"}
