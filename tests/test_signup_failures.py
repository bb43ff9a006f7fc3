"""A queued signup is all or nothing: each way Redis or the delivery can fail gives a 503.

Every failure is a real one: a redis-server that is full, one whose user may only read, a
read-only replica, and a delivery function that raises. Each test asserts the answer (503 and
one sentence saying what to do next, with nothing about the servers behind the app), the
reason in the app's log, that no user row is left in SQLite, and that Redis holds no job.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import redis

from mailer_app import create_app, db, mail, relay
from mailer_app.config import load_settings
from mailer_app.queues import get_queue
from mailer_app.registration import UNAVAILABLE
from tests.helpers import work as work_all
from workbook import redis_runner

GOOD = {"name": "Ada Lovelace", "email": "ada@example.com"}


def delivery_that_raises(user_id, connection):
    """Fail the way a half-written delivery function does."""
    raise RuntimeError("the student's code is not finished")


def delivery_stopped_midway(user_id, connection):
    """The process is told to stop (SIGTERM's SystemExit, Ctrl+C) in the middle of a signup."""
    raise SystemExit(143)


def delivery_after_checking_the_followup(user_id, connection):
    """The welcome's own enqueue, which fails unless the follow-up is already scheduled."""
    if not connection.exists(f"rq:job:followup-{user_id}"):
        raise AssertionError("the welcome was enqueued before the follow-up was scheduled")
    raise RuntimeError("the welcome's enqueue fails")


def delivery_of_a_refused_job(user_id, connection):
    """Enqueue a function that is not one of the project's jobs (the allowlist refuses it)."""
    return get_queue("mailers", connection).enqueue("os.getcwd")


def users(env) -> list[str]:
    conn = db.connect(env["DATABASE"])
    try:
        return [row["email"] for row in conn.execute("SELECT email FROM users")]
    finally:
        conn.close()


def signup(env, redis_url: str, as_json: bool = True, **config):
    app = create_app({"TESTING": True, "MAIL_DELIVERY": "queued", "REDIS_URL": redis_url,
                      **config})
    client = app.test_client()
    return client.post("/users", json=GOOD) if as_json else client.post("/users", data=GOOD)


def assert_unavailable(response, caplog, why: str) -> None:
    """A 503 that tells the person what to do next, and the log (only) why."""
    assert response.status_code == 503
    assert response.json["error"] == UNAVAILABLE
    assert why in caplog.text, caplog.text


def assert_nothing_stored(env, server_client: redis.Redis) -> None:
    assert users(env) == [], "the user was kept although the signup failed"
    assert server_client.keys("rq:job:*") == [], "a job was left in Redis"
    assert server_client.llen("rq:queue:mailers") == 0


@pytest.fixture
def full_redis(tmp_path):
    """A redis-server with maxmemory and noeviction, filled until it refuses writes."""
    with redis_runner.redis_server(tmp_path / "full", extra_args=["--maxmemory", "2mb"]) as server:
        client = server.client()
        filled = 0
        with pytest.raises(redis.OutOfMemoryError):
            while True:  # in batches first: one SET per round trip would take seconds
                pipe = client.pipeline(transaction=False)
                for _ in range(500):
                    pipe.set(f"filler:{filled}", "x" * 100)
                    filled += 1
                pipe.execute()
        # The refused batch's buffer is freed again: top up one key at a time until refused.
        with pytest.raises(redis.OutOfMemoryError):
            for filled in range(filled, filled + 10_000):
                client.set(f"filler:{filled}", "x" * 100)
        yield server, client
        client.close()


def test_full_redis_gives_503_and_stores_nothing(env, full_redis, caplog):
    server, client = full_redis
    response = signup(env, server.url)
    assert_unavailable(response, caplog, "is out of memory (maxmemory)")
    assert str(server.port) not in response.get_data(as_text=True), "no host:port for the person"
    assert_nothing_stored(env, client)


def test_full_redis_shows_the_message_on_the_form(env, full_redis):
    server, client = full_redis
    response = signup(env, server.url, as_json=False)
    assert response.status_code == 503 and response.mimetype == "text/html"
    page = response.get_data(as_text=True).replace("&#39;", "'")
    assert 'role="alert"' in page and "please try again in a few minutes" in page
    assert 'value="ada@example.com"' in page, "the form keeps what the person typed"
    assert_nothing_stored(env, client)


def test_a_redis_user_who_may_only_read_gives_503_and_stores_nothing(env, tmp_path, caplog):
    with redis_runner.redis_server(tmp_path / "acl") as server:
        admin = server.client()
        # @connection lets PING through, so the signup gets as far as the enqueue.
        admin.execute_command("ACL", "SETUSER", "reader", "on", ">s3cret", "~*",
                              "+@read", "+@connection")
        reader_url = f"redis://reader:s3cret@127.0.0.1:{server.port}/0"
        response = signup(env, reader_url)
        assert_unavailable(response, caplog, "the Redis user in REDIS_URL")
        assert "may not store" in caplog.text
        assert "s3cret" not in caplog.text, "the password must not be logged"
        assert_nothing_stored(env, admin)
        admin.close()


def test_a_read_only_replica_gives_503_and_stores_nothing(env, tmp_path, caplog):
    with redis_runner.redis_server(tmp_path / "primary") as primary, \
            redis_runner.redis_server(tmp_path / "replica",
                                      extra_args=["--replicaof", "127.0.0.1",
                                                  str(primary.port)]) as replica:
        response = signup(env, replica.url)
        assert_unavailable(response, caplog, "is a read-only replica")
        for server in (primary, replica):
            client = server.client()
            assert_nothing_stored(env, client)
            client.close()


@pytest.mark.parametrize(("function", "message"), [
    ("delivery_that_raises",
     "failed (RuntimeError: the student's code is not finished)"),
    ("delivery_of_a_refused_job", "the welcome email's job was refused ('os.getcwd' is not a "
                                  "job function of this project"),
])
def test_a_failing_delivery_function_gives_503_and_stores_nothing(env, conn, function,
                                                                   message, caplog):
    response = signup(env, env["REDIS_URL"], MAIL_DELIVERY=f"{__name__}:{function}")
    assert_unavailable(response, caplog, message)
    assert_nothing_stored(env, conn)


def test_a_failed_followup_takes_the_welcome_job_back(env, tmp_path, caplog):
    with redis_runner.redis_server(tmp_path / "acl") as server:
        admin = server.client()
        # May use every key of the welcome job, but not the scheduled registry of the follow-up.
        admin.execute_command("ACL", "SETUSER", "noscheduler", "on", ">pw", "+@all",
                              "~rq:queue*", "~rq:job:*", "~rq:results:*", "~rq:executions:*")
        url = f"redis://noscheduler:pw@127.0.0.1:{server.port}/0"
        response = signup(env, url, FOLLOWUP_DELAY_SECONDS=3600)
        assert_unavailable(response, caplog, "may not store")
        assert_nothing_stored(env, admin)
        admin.close()


def test_a_working_signup_after_a_failed_one_gets_its_job(env, conn, full_redis):
    server, _ = full_redis
    assert signup(env, server.url).status_code == 503
    response = signup(env, env["REDIS_URL"])
    assert response.status_code == 201
    assert users(env) == ["ada@example.com"]
    assert get_queue("mailers", conn).job_ids == ["welcome-2"]


def test_a_signup_stopped_midway_is_undone_and_the_stop_goes_on(env, conn):
    with pytest.raises(SystemExit):
        signup(env, env["REDIS_URL"], MAIL_DELIVERY=f"{__name__}:delivery_stopped_midway")
    assert_nothing_stored(env, conn)


def test_an_inline_email_sent_but_not_marked_keeps_its_user(env, caplog):
    """The email went out; only marking it sent failed. Deleting the user would be a lie."""
    db.init_db(env["DATABASE"])
    with db.connection(env["DATABASE"]) as conn:  # the disk fills up between send and mark
        conn.execute("CREATE TRIGGER no_mark BEFORE UPDATE OF welcome_sent_at ON users "
                     "BEGIN SELECT RAISE(FAIL, 'database or disk is full'); END")
    response = signup(env, env["REDIS_URL"], MAIL_DELIVERY="inline")
    assert response.status_code == 201, response.json
    assert users(env) == ["ada@example.com"]
    assert len(list((Path(env["OUTBOX_DIR"])).glob("*.eml"))) == 1
    assert "sent, but could not be marked sent" in caplog.text


@pytest.mark.parametrize("delivery", ["queued", "relayed"])
def test_a_recreated_database_does_not_meet_its_old_job_ids(env, conn, delivery, tmp_path):
    """Ids start at 1 again in a new database file, while Redis keeps welcome-1."""
    assert signup(env, env["REDIS_URL"]).status_code == 201  # user 1, job welcome-1
    work_all(conn)
    Path(env["DATABASE"]).unlink()
    grace = {"name": "Grace Hopper", "email": "grace@example.com"}
    app = create_app({"TESTING": True, "MAIL_DELIVERY": delivery, "REDIS_URL": env["REDIS_URL"]})
    response = app.test_client().post("/users", json=grace)
    assert response.status_code == 201, response.json
    if delivery == "relayed":
        assert relay.relay_once(load_settings(), conn).enqueued == 1
    work_all(conn)
    sent = sorted(m["to"] for m in mail.list_outbox(env["OUTBOX_DIR"]) if m["kind"] == "welcome")
    assert sent == ["Ada Lovelace <ada@example.com>", "Grace Hopper <grace@example.com>"]


def test_the_welcome_goes_last_so_a_failure_never_races_a_worker(env, conn, caplog):
    """Were the welcome enqueued first, a worker could be sending it when the follow-up fails."""
    response = signup(env, env["REDIS_URL"], FOLLOWUP_DELAY_SECONDS=3600,
                      MAIL_DELIVERY=f"{__name__}:delivery_after_checking_the_followup")
    assert_unavailable(response, caplog, "the welcome's enqueue fails")
    assert_nothing_stored(env, conn)
    assert not conn.exists("rq:job:followup-1"), "the follow-up was left scheduled"
