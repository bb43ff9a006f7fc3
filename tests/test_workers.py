"""End to end with real processes: rq worker, rq cron, the app over HTTP."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from rq.job import JobStatus

from mailer_app import db, mail
from mailer_app.queues import get_connection
from workbook import demo_jobs, processes, services
from workbook.demo_jobs import get_queue
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
    # Measured here (2 cores, under nice, another session's tests beside it), 50 requests as
    # this one: median 4 ms, slowest 60 ms. 0.5 s is 8 times that, and still a sixth of the
    # 3 s an inline send would take: a pass still means the request did not wait for the mail.
    assert elapsed < 0.5, f"the queued request took {elapsed:.3f} s"
    wait_until(lambda: len(mail.list_outbox(outbox)) == 2, timeout=20)
    # The job sleeps 3 s after it was enqueued, which was after sent_at: no margin needed.
    assert time.monotonic() - sent_at >= 3.0


def test_burst_worker_drains_high_before_low(env, conn, worker):
    for i in range(3):
        get_queue("low", conn).enqueue(demo_jobs.record, "order", f"low-{i}")
    for i in range(3):
        get_queue("high", conn).enqueue(demo_jobs.record, "order", f"high-{i}")
    get_queue("default", conn).enqueue(demo_jobs.record, "order", "default-0")
    proc = worker(burst=True, with_scheduler=False)
    assert proc.wait(30) == 0
    order = [tag.decode() for tag in conn.lrange("order", 0, -1)]
    assert order == ["high-0", "high-1", "high-2", "default-0", "low-0", "low-1", "low-2"]


def test_scheduled_job_waits_for_its_time(env, conn, worker):
    worker(["default"])
    q = get_queue("default", conn)
    enqueued = time.time()
    job = q.enqueue_in(timedelta(seconds=3), demo_jobs.record_time, "ran_at")
    assert job.get_status(refresh=True) == JobStatus.SCHEDULED
    wait_until(lambda: conn.llen("ran_at") == 1, timeout=15)
    ran_at = float(conn.lindex("ran_at", 0))
    # The run time is stored in whole seconds (up to 1 s early) and the scheduler looks once a
    # second (up to 1 s late): 2 to 4 s. The job's own start adds the rest; 6 s leaves 2 s.
    assert 2.0 <= ran_at - enqueued < 6.0, f"ran {ran_at - enqueued:.2f} s after enqueue"


def test_without_the_scheduler_a_scheduled_job_never_runs(env, conn, worker):
    worker(["default"], with_scheduler=False)
    q = get_queue("default", conn)
    job = q.enqueue_in(timedelta(seconds=1), demo_jobs.noop)
    due = q.scheduled_job_registry.get_scheduled_time(job)
    # A scheduler looks once a second: 2 s past the due time, one would have moved it.
    wait_until(lambda: datetime.now(UTC) > due + timedelta(seconds=2), timeout=10,
               what="two seconds past the job's time")
    later = q.enqueue(demo_jobs.noop)  # the worker is alive and reading the queue meanwhile
    wait_until(lambda: later.get_status(refresh=True) == JobStatus.FINISHED, timeout=20,
               what="a plain job run by the same worker")
    assert job.get_status(refresh=True) == JobStatus.SCHEDULED
    assert not conn.exists("rq:scheduler-lock:default"), "a scheduler runs after all"


def test_cron_runs_the_scrape_on_its_interval(live_server, env, conn, worker):
    with live_server() as base:
        cron_env = {"SCRAPE_URL": f"{base}/status", "SCRAPE_INTERVAL_SECONDS": "2"}
        worker(["low", "default"], env=cron_env)  # a worker scrapes only its own SCRAPE_URL
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
    # Three runs here under nice gave gaps of 1.985 to 2.003 s. The gap adds a worker's pick-up
    # and one HTTP fetch to rq cron's own timing; a stall of up to 1.5 s either way still passes,
    # while a cron that skipped a beat (4 s) or fired twice (about 0 s) does not.
    assert all(0.5 < gap < 3.5 for gap in gaps), gaps


def test_worker_started_with_the_wrong_serializer_cannot_read_jobs(env, conn, tmp_path):
    q = get_queue("default", conn)
    job = q.enqueue(demo_jobs.add, 1, 2)
    cmd = [c if c != "rq.serializers.JSONSerializer" else "pickle"
           for c in services.worker_command(env["REDIS_URL"], ["default"], burst=True)]
    proc = processes.start_process(cmd, name="wrong-worker", log_dir=tmp_path)
    proc.wait(30)
    proc.stop()
    assert job.get_status(refresh=True) == JobStatus.FAILED
    assert "DeserializationError" in proc.log()
    assert get_connection(env["REDIS_URL"]).ping()
