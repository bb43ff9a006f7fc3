from datetime import timedelta

import ex04a_job_report as ex
import pytest
from rq.job import JobStatus

from tests.helpers import work
from workbook import demo_jobs
from workbook.demo_jobs import get_queue

pytestmark = pytest.mark.exercise("04a")


def test_a_finished_job_reports_its_result(conn):
    q = get_queue("default", conn)
    ok = q.enqueue(demo_jobs.add, 2, 3, job_id="ok")
    work(conn, [q])
    report = ex.job_report(conn, ok.id)
    assert report == {"id": "ok", "status": "finished", "result": 5}, (
        f"got {report}: a finished job reports its return value as result")


def test_a_failed_job_reports_the_last_line_of_its_error(conn):
    q = get_queue("default", conn)
    bad = q.enqueue(demo_jobs.fail, "the mail server said no", job_id="bad")
    work(conn, [q])
    report = ex.job_report(conn, bad.id)
    assert report == {"id": "bad", "status": "failed",
                      "error": "RuntimeError: the mail server said no"}, (
        f"got {report}: a failed job reports the last line of its traceback as error")


def _queued(q):
    return q.enqueue(demo_jobs.noop, job_id="job")


def _scheduled(q):
    return q.enqueue_in(timedelta(hours=1), demo_jobs.noop, job_id="job")


def _deferred(q):
    first = q.enqueue(demo_jobs.noop, job_id="first")
    return q.enqueue(demo_jobs.noop, job_id="job", depends_on=first)


def _started(q):
    job = q.enqueue(demo_jobs.noop, job_id="job")
    job.set_status(JobStatus.STARTED)  # what a worker writes as it picks the job up
    return job


def _canceled(q):
    job = q.enqueue(demo_jobs.noop, job_id="job")
    job.cancel()
    return job


@pytest.mark.parametrize(("make", "status"), [
    (_queued, "queued"), (_scheduled, "scheduled"), (_deferred, "deferred"),
    (_started, "started"), (_canceled, "canceled"),
])
def test_any_other_status_is_reported_as_it_is(conn, make, status):
    make(get_queue("default", conn))
    report = ex.job_report(conn, "job")
    assert report == {"id": "job", "status": status}, (
        f"a {status} job was reported as {report}: report every other status as RQ gives it")


def test_a_missing_job_is_reported_not_raised(conn):
    report = ex.job_report(conn, "no-such-job")
    assert report == {"id": "no-such-job", "status": "missing"}, (
        "a job that does not exist (expired, or a typo) is reported as missing")
