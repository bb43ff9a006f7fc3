"""Beyond one machine, with real processes: ACL roles, Sentinel failover, sharded queues."""

from __future__ import annotations

import pytest
import redis
from rq import Worker

from mailer_app import jobs, ratelimit
from mailer_app.queues import get_queue
from mailer_app.redis_client import RedisUnavailable, connect
from workbook import demo_jobs, failover, hosts, redis_runner, scaling, services
from workbook.http import post
from workbook.processes import wait_until


@pytest.fixture
def locked_redis(tmp_path):
    """A Redis whose default user needs a password, with one ACL user per role."""
    with redis_runner.redis_server(tmp_path / "redis", password="admin-secret") as server:
        hosts.create_role_users(server.client(), {"webapp": "web-secret", "worker": "work-secret"})
        yield server


@pytest.mark.slow
def test_each_role_may_do_its_part_and_is_refused_the_rest(locked_redis, tmp_path):
    web = connect(hosts.user_url(locked_redis.port, "webapp", "web-secret"))
    worker_url = hosts.user_url(locked_redis.port, "worker", "work-secret")
    worker = connect(worker_url)
    job = demo_jobs.get_queue("default", web).enqueue(demo_jobs.add, 20, 22)

    host = hosts.Host("worker-host", tmp_path)
    try:
        host.worker(worker_url, ["default"])
        wait_until(lambda: job.get_status(refresh=True) == "finished", 30, what="the job run")
    finally:
        host.stop()
    admin_view = get_queue("default", locked_redis.client()).fetch_job(job.id)
    assert admin_view.return_value() == 42, "a worker with the worker role could not run it"

    for name, client in (("worker", worker), ("webapp", web)):
        with pytest.raises(redis.exceptions.NoPermissionError):
            client.flushall()
        with pytest.raises(redis.exceptions.NoPermissionError):
            client.config_set("maxmemory-policy", "allkeys-lru")
    with pytest.raises(redis.exceptions.NoPermissionError):
        web.lmove("rq:queue:default", "rq:queue:stolen")  # the web app may not take jobs
    with pytest.raises(redis.exceptions.NoPermissionError):
        worker.set("sessions:ada", "x")  # keys outside rq:* and mailer:* are not a worker's
    assert locked_redis.client().dbsize() > 0, "a refused command changed something"


@pytest.mark.slow
def test_a_worker_under_its_role_takes_from_the_shared_send_limit(locked_redis):
    """MAIL_RATE_LIMIT's bucket (mailer:send-rate) lies within the worker role's keys."""
    worker = connect(hosts.user_url(locked_redis.port, "worker", "work-secret"))
    assert ratelimit.take(worker, ratelimit.KEY, rate=10, burst=1) == 0.0
    assert ratelimit.take(worker, ratelimit.KEY, rate=10, burst=1) > 0, "the bucket was empty"
    web = connect(hosts.user_url(locked_redis.port, "webapp", "web-secret"))
    with pytest.raises(redis.exceptions.NoPermissionError):
        ratelimit.take(web, ratelimit.KEY, rate=10, burst=1)  # sending is the worker's part


@pytest.mark.slow
def test_a_worker_on_a_host_with_other_code_fails_the_job_and_says_why(redis_url, tmp_path):
    host = hosts.Host("old-deploy", tmp_path)
    host.edit("jobs", "def send_daily_digest() ->", "def send_digest() ->")
    job = get_queue("low", connect(redis_url)).enqueue(jobs.send_daily_digest)
    try:
        host.worker(redis_url, ["low"])
        wait_until(lambda: job.get_status(refresh=True) == "failed", 30, what="the job failed")
    finally:
        host.stop()
    assert "Invalid attribute name: send_daily_digest" in job.latest_result().exc_string, (
        "a worker whose code has no such job should fail it with RQ's own words")


def test_a_host_made_again_under_its_name_is_deployed_afresh(tmp_path):
    hosts.Host("old-deploy", tmp_path).edit("jobs", "def send_daily_digest() ->", "def x() ->")
    again = hosts.Host("old-deploy", tmp_path)  # a notebook cell run twice: no FileExistsError
    assert "def send_daily_digest() ->" in (again.code / "mailer_app" / "jobs.py").read_text()


@pytest.mark.slow
def test_a_replicated_setup_in_a_folder_used_before_starts_empty(tmp_path):
    with failover.replicated_redis(tmp_path / "redis") as setup:
        setup.client().set("from-the-first-run", 1)
        setup.client().save()  # as a replica's full sync does: the data goes to dump.rdb
    with failover.replicated_redis(tmp_path / "redis") as setup:
        assert setup.client().dbsize() == 0, "the new primary loaded the first run's data"


@pytest.mark.slow
def test_the_app_and_a_worker_keep_working_after_a_sentinel_failover(tmp_path):
    with failover.replicated_redis(tmp_path / "redis") as setup:
        env = {"REDIS_URL": setup.url, "MAIL_DELIVERY": "queued",
               "DATABASE": str(tmp_path / "mailer.sqlite"), "OUTBOX_DIR": str(tmp_path / "out"),
               "MAIL_BACKEND": "outbox", "MAIL_DELAY_SECONDS": "0",
               "FOLLOWUP_DELAY_SECONDS": "0"}
        (tmp_path / "out").mkdir()
        host = hosts.Host("worker-host", tmp_path, env={k: v for k, v in env.items()
                                                         if k != "REDIS_URL"})
        try:
            host.worker(None, ["mailers"], config=setup.settings_module(host.folder))
            with services.web_server(env) as base:
                def signup(number: int) -> int:
                    return post(base, "/users", {"name": f"User {number}",
                                                 "email": f"user{number}@example.com"})[0]

                def emails() -> int:
                    return len(list((tmp_path / "out").glob("*.eml")))

                assert signup(1) == 201
                wait_until(lambda: emails() == 1, 30, what="the first email")
                # The email is out before the job is: the horse still writes "finished", and the
                # worker still reads it. A failover in that window makes RQ 3.0's worker quit
                # (monitor_work_horse does not catch a ConnectionError), which a supervisor would
                # restart; this test is about the failover, so kill once the worker is idle.
                admin = setup.client()
                wait_until(lambda: admin.hget("rq:job:welcome-1", "status") == b"finished"
                           and [w.get_state() for w in Worker.all(connection=admin)] == ["idle"],
                           30, what="the worker idle after the first email")
                old = setup.primary.port
                setup.primary.kill()
                answers = []
                wait_until(lambda: answers.append(signup(len(answers) + 2)) or answers[-1] == 201,
                           60, interval=0.2, what="a signup accepted after the failover")
                assert setup.primary_port() not in (None, old), "no new primary was named"
                assert set(answers) <= {201, 503}, f"the app answered {answers} meanwhile"
                wait_until(lambda: emails() == 2, 60,
                           what="the worker sending the email enqueued after the failover")
        finally:
            host.stop()


def test_a_sentinel_url_that_finds_no_primary_says_so():
    with pytest.raises(RedisUnavailable, match="Sentinels"):
        connect("redis+sentinel://127.0.0.1:1/mailer/0", socket_timeout=0.2)


@pytest.mark.slow
def test_sharded_queues_run_every_job_exactly_once(tmp_path):
    with redis_runner.redis_server() as one, redis_runner.redis_server() as two:
        run = scaling.sharded_run([one.url, two.url], tmp_path / "trace.txt", count=600)
    assert run.ran == 600 and run.missing == 0 and run.ran_twice == 0
    assert all(share > 200 for share in run.per_shard), f"uneven shards: {run.per_shard}"


def test_a_key_goes_to_the_same_shard_in_every_process():
    # Computed once, in another process. Python's hash() of a str changes with every process
    # (PYTHONHASHSEED), so a shard_for built on it fails here; so does a changed hash, which in
    # production would move every waiting key's jobs to another shard.
    assert [scaling.shard_for(f"user-{i}", 2) for i in range(10)] == [0, 0, 0, 0, 1, 1, 1, 1, 0, 0]
    assert [scaling.shard_for(f"user-{i}", 3) for i in range(10)] == [2, 2, 1, 0, 0, 0, 0, 0, 0, 0]
    per_shard = [0, 0]
    for i in range(1000):
        per_shard[scaling.shard_for(f"user-{i}", 2)] += 1
    assert min(per_shard) > 450, f"uneven shards: {per_shard}"  # 502 / 498 when written
