"""End to end with real processes: rq worker, rq cron, the app over HTTP."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import pytest
from rq.job import JobStatus

from mailer_app import db, jobs, mail
from mailer_app.queues import get_connection, get_queue
from workbook import processes, services
from workbook.notebook import post
from workbook.processes import wait_until

pytestmark = pytest.mark.slow
GOOD = {"name": "Ada Lovelace", "email": "ada@example.com"}


def post_json(base, payload):
    return post(base, "/users", payload)


def test_signup_job_real_worker_outbox(live_server, worker, outbox, env):
    worker(["mailers"])
    with live_server(MAIL_DELIVERY="queued") as base:
        status, body, _ = post_json(base, GOOD)
    assert status == 201 and body["job_id"] == "welcome-1"
    wait_until(lambda: mail.list_outbox(outbox), timeout=20)
    [message] = mail.list_outbox(outbox)
    assert message["to"] == "Ada Lovelace <ada@example.com>"


def test_queued_request_is_fast_and_the_email_comes_later(live_server, worker, outbox):
    worker(["mailers"], env={"MAIL_DELAY_SECONDS": "3"})
    with live_server(MAIL_DELIVERY="queued", MAIL_DELAY_SECONDS=3) as base:
        post_json(base, {"name": "Warm Up", "email": "warm@example.com"})  # first-request costs
        wait_until(lambda: mail.list_outbox(outbox), timeout=20)
        sent_at = time.monotonic()
        status, _, elapsed = post_json(base, GOOD)
    assert status == 201
    assert elapsed < 0.1, f"the queued request took {elapsed:.3f} s"
    waited = wait_until(lambda: len(mail.list_outbox(outbox)) == 2, timeout=20)
    assert time.monotonic() - sent_at >= 3.0
    assert waited + elapsed >= 2.9


def test_burst_worker_drains_high_before_low(env, conn, worker):
    for i in range(3):
        get_queue("low", conn).enqueue(jobs.record, "order", f"low-{i}")
    for i in range(3):
        get_queue("high", conn).enqueue(jobs.record, "order", f"high-{i}")
    get_queue("default", conn).enqueue(jobs.record, "order", "default-0")
    proc = worker(burst=True, with_scheduler=False)
    assert proc.wait(30) == 0
    order = [tag.decode() for tag in conn.lrange("order", 0, -1)]
    assert order == ["high-0", "high-1", "high-2", "default-0", "low-0", "low-1", "low-2"]


def test_scheduled_job_waits_for_its_time(env, conn, worker):
    worker(["default"])
    q = get_queue("default", conn)
    enqueued = time.time()
    job = q.enqueue_in(timedelta(seconds=3), jobs.record_time, "ran_at")
    time.sleep(2)
    assert job.get_status(refresh=True) == JobStatus.SCHEDULED
    assert conn.llen("ran_at") == 0
    wait_until(lambda: conn.llen("ran_at") == 1, timeout=15)
    ran_at = float(conn.lindex("ran_at", 0))
    # RQ stores the run time in whole seconds, so "3 s" means between 2 and 4 s.
    assert 2.0 <= ran_at - enqueued < 6.0


def test_without_the_scheduler_a_scheduled_job_never_runs(env, conn, worker):
    worker(["default"], with_scheduler=False)
    job = get_queue("default", conn).enqueue_in(timedelta(seconds=1), jobs.noop)
    time.sleep(3)
    assert job.get_status(refresh=True) == JobStatus.SCHEDULED


def test_cron_runs_the_scrape_on_its_interval(live_server, env, conn, worker):
    worker(["low", "default"])
    with live_server() as base:
        cron_env = {"SCRAPE_URL": f"{base}/status", "SCRAPE_INTERVAL_SECONDS": "2"}
        with services.rq_cron(env["REDIS_URL"], env=cron_env) as cron:
            def snapshots():
                with db.connection(env["DATABASE"]) as conn:
                    return conn.execute(
                        "SELECT fetched_at FROM page_snapshots ORDER BY id").fetchall()

            # Fires on launch, then every 2 s: three runs take about 4 s.
            wait_until(lambda: len(snapshots()) >= 3, timeout=20)
            assert cron.running()
    rows = snapshots()

    times = [datetime.fromisoformat(r["fetched_at"]) for r in rows[:3]]
    gaps = [(b - a).total_seconds() for a, b in zip(times, times[1:], strict=False)]
    assert all(1.0 < gap < 3.5 for gap in gaps), gaps


def test_worker_started_with_the_wrong_serializer_cannot_read_jobs(env, conn, tmp_path):
    q = get_queue("default", conn)
    job = q.enqueue(jobs.add, 1, 2)
    cmd = [c if c != "rq.serializers.JSONSerializer" else "pickle"
           for c in services.worker_command(env["REDIS_URL"], ["default"], burst=True)]
    proc = processes.start_process(cmd, name="wrong-worker", log_dir=tmp_path)
    proc.wait(30)
    proc.stop()
    assert job.get_status(refresh=True) == JobStatus.FAILED
    assert "DeserializationError" in proc.log()
    assert get_connection(env["REDIS_URL"]).ping()
