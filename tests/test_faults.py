"""Faults with real processes: killed horses and workers, SIGTERM, Redis crashes and outages.

Each test asserts where every job ended up.
"""

from __future__ import annotations

import os
import signal
import time

import psutil
import pytest
from rq import Retry
from rq.job import JobStatus

from mailer_app import db, delivery, jobs, mail
from mailer_app.queues import get_queue
from workbook import demo_jobs, redis_runner, services
from workbook.notebook import post
from workbook.processes import wait_until

pytestmark = pytest.mark.slow


def status_becomes(job, status, timeout):
    return wait_until(lambda: job.get_status(refresh=True) == status, timeout=timeout)


def test_killed_horse_fails_the_job_at_once_and_the_worker_keeps_serving(env, conn, worker):
    proc = worker(["default"], with_scheduler=False)
    q = demo_jobs.get_queue("default", conn)
    victim = q.enqueue(demo_jobs.sleep_for, 30)
    status_becomes(victim, JobStatus.STARTED, 20)
    os.kill(services.work_horse_pid(proc), signal.SIGKILL)
    assert status_becomes(victim, JobStatus.FAILED, 5) < 5
    assert victim.id in q.failed_job_registry
    assert "Work-horse terminated unexpectedly" in victim.latest_result().exc_string
    assert proc.running()
    after = q.enqueue(demo_jobs.add, 1, 1)
    status_becomes(after, JobStatus.FINISHED, 20)
    assert after.return_value() == 2


def test_killed_horse_with_retry_runs_again_and_sends_one_email(add_user, conn, worker,
                                                               outbox):
    user_id = add_user()
    proc = worker(["mailers"], env={"MAIL_DELAY_SECONDS": "2"})  # with the scheduler
    job = delivery.enqueue_welcome_email(user_id, conn, retry=Retry(max=2, interval=[1]))
    status_becomes(job, JobStatus.STARTED, 20)
    horse = services.work_horse_pid(proc)
    os.kill(horse, signal.SIGKILL)
    status_becomes(job, JobStatus.FINISHED, 30)
    job.refresh()
    assert job.retries_left == 1
    assert "Work-horse terminated unexpectedly" in proc.log()  # the killed first attempt
    assert len(mail.list_outbox(outbox)) == 1
    # A further duplicate (a retry after success) still sends nothing.
    again = get_queue("mailers", conn).enqueue(jobs.send_welcome_email, user_id)
    status_becomes(again, JobStatus.FINISHED, 20)
    assert again.return_value()["status"] == "already-sent"
    assert len(mail.list_outbox(outbox)) == 1


@pytest.mark.parametrize("with_retry", [False, True])
def test_dead_worker_job_is_recovered_as_abandoned(env, conn, worker, with_retry):
    proc = worker(["default"], with_scheduler=False)
    q = demo_jobs.get_queue("default", conn)
    options = {"retry": Retry(max=1)} if with_retry else {}
    job = q.enqueue(demo_jobs.sleep_for, 30, **options)
    status_becomes(job, JobStatus.STARTED, 20)
    horse = services.work_horse_pid(proc)
    proc.kill_all()  # parent, scheduler and horse, each by PID

    # kill_all waited for each process to go: nobody is left who could change the job.
    assert not proc.running()
    assert not psutil.pid_exists(horse) or psutil.Process(horse).status() == psutil.STATUS_ZOMBIE
    assert job.get_status(refresh=True) == JobStatus.STARTED
    assert job.id in q.started_job_registry
    # What a worker's maintenance does once the heartbeat is long expired (~13 min later).
    q.started_job_registry.cleanup(timestamp=time.time() + 900)
    if with_retry:
        assert job.get_status(refresh=True) == JobStatus.QUEUED
        assert job.id in q.get_job_ids()
    else:
        assert job.get_status(refresh=True) == JobStatus.FAILED
        assert job.id in q.failed_job_registry
        assert "AbandonedJobError" in job.latest_result().exc_string
    assert job.id not in q.started_job_registry


def test_warm_sigterm_lets_the_job_finish(env, conn, worker):
    proc = worker(["default"], with_scheduler=False)
    job = demo_jobs.get_queue("default", conn).enqueue(demo_jobs.sleep_for, 2)
    status_becomes(job, JobStatus.STARTED, 20)
    proc.signal(signal.SIGTERM)
    assert proc.wait(30) == 0
    assert job.get_status(refresh=True) == JobStatus.FINISHED
    assert "warm shut down requested" in proc.log()


@pytest.mark.parametrize(("persistence", "survivors"), [("aof", 200), ("none", 0)])
def test_redis_killed_with_queued_jobs(tmp_path, persistence, survivors):
    folder = tmp_path / "redis"
    server = redis_runner.start_redis(folder, persistence=persistence)
    try:
        q = demo_jobs.get_queue("default", server.client())
        ids = [q.enqueue(demo_jobs.noop).id for _ in range(200)]
        # Killed at once: Redis writes each command to the AOF before it replies, and
        # appendfsync everysec only delays the fsync, which a killed process does not need.
    finally:
        server.kill()
    with redis_runner.redis_server(folder, persistence=persistence) as again:
        q = demo_jobs.get_queue("default", again.client())
        assert q.count == survivors
        if survivors:
            assert q.job_ids == ids
            assert all(q.fetch_job(i).func_name == "workbook.demo_jobs.noop" for i in ids[:5])


def _post(base, payload):
    status, body, _ = post(base, "/users", payload)
    return status, body


def test_redis_outage_gives_503_and_the_app_recovers_without_restart(env, tmp_path):
    server = redis_runner.start_redis(tmp_path / "outage", persistence="aof")
    port = server.port
    try:
        with services.web_server({**env, "REDIS_URL": server.url,
                                  "MAIL_DELIVERY": "queued"}) as base:
            assert _post(base, {"name": "Ada", "email": "ada@example.com"})[0] == 201
            server.stop()
            status, body = _post(base, {"name": "Bo", "email": "bo@example.com"})
            assert status == 503
            assert "try again" in body["error"] and str(port) not in body["error"]
            with db.connection(env["DATABASE"]) as conn:
                emails = [r["email"] for r in conn.execute("SELECT email FROM users")]
            assert emails == ["ada@example.com"]
            server = redis_runner.start_redis(tmp_path / "outage", port=port, persistence="aof")
            status, body = _post(base, {"name": "Bo", "email": "bo@example.com"})
            assert status == 201, body
            assert body["job_id"] == "welcome-2"
            # Ada's job survived the restart (AOF); Bo's was enqueued after it.
            assert get_queue("mailers", server.client()).job_ids == ["welcome-1", "welcome-2"]
    finally:
        server.stop()
