"""Jobs, queues and the JSON/allowlist rules, run with SimpleWorker (fast, in process)."""

from __future__ import annotations

import datetime as dt
import decimal
import os
import pickle
import uuid

import pytest
from rq import Queue, Retry
from rq.exceptions import DuplicateJobError
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer

from mailer_app import create_app, db, delivery, jobs, mail
from mailer_app.queues import JobRefused, get_queue
from mailer_app.registry import is_allowed_name
from tests.helpers import work
from workbook import demo_jobs, processes

GOOD = {"name": "Ada Lovelace", "email": "ada@example.com"}


def test_one_worker_on_all_queues_takes_them_in_priority_order(conn):
    for name in ("low", "mailers", "default", "high"):  # enqueued lowest first
        demo_jobs.get_queue(name, conn).enqueue(demo_jobs.record, "order", name)
    work(conn)  # a worker on all_queues(), as `rq worker high default mailers low`
    assert [tag.decode() for tag in conn.lrange("order", 0, -1)] == ["high", "default",
                                                                      "mailers", "low"]


def test_queued_signup_enqueues_instead_of_sending(queued_app, conn, outbox):
    response = queued_app.test_client().post("/users", json=GOOD)
    assert response.status_code == 201
    assert response.json["job_id"] == "welcome-1"
    assert mail.list_outbox(outbox) == []
    job = get_queue("mailers", conn).fetch_job("welcome-1")
    assert job.func_name == "mailer_app.jobs.send_welcome_email"
    assert job.args == [1]
    assert job.retries_left == 3 and job.retry_intervals == [10, 60, 300]
    work(conn)
    assert job.get_status(refresh=True) == JobStatus.FINISHED
    assert job.return_value()["status"] == "sent"
    [message] = mail.list_outbox(outbox)
    assert "by a background job" in mail.read_message(message["path"]).get_body(("plain",)
                                                                                ).get_content()


def test_signup_page_says_the_email_is_on_its_way(queued_app):
    client = queued_app.test_client()
    client.post("/users", data=GOOD)
    assert b"is on its way" in client.get("/users/1").data


def test_duplicate_enqueue_is_refused_and_sends_once(add_user, conn, outbox):
    user_id = add_user()
    delivery.enqueue_welcome_email(user_id, conn)
    with pytest.raises(DuplicateJobError):
        delivery.enqueue_welcome_email(user_id, conn)
    work(conn)
    assert len(mail.list_outbox(outbox)) == 1


def test_running_the_job_twice_sends_once(add_user, conn, outbox):
    user_id = add_user()
    q = get_queue("mailers", conn)
    first = q.enqueue(jobs.send_welcome_email, user_id)
    second = q.enqueue(jobs.send_welcome_email, user_id)  # another id: a retry, say
    work(conn)
    assert first.return_value()["status"] == "sent"
    assert second.return_value()["status"] == "already-sent"
    assert len(mail.list_outbox(outbox)) == 1


def test_missing_user_fails_the_job_plainly(env, conn):
    db.init_db(env["DATABASE"])
    job = get_queue("mailers", conn).enqueue(jobs.send_welcome_email, 999)
    work(conn)
    assert job.get_status(refresh=True) == JobStatus.FAILED
    assert "UserNotFound: No user with id 999" in job.latest_result().exc_string


class Point:
    pass


@pytest.mark.parametrize(("argument", "message"), [
    (dt.datetime(2026, 1, 1, tzinfo=dt.UTC), "is a datetime"),
    (dt.date(2026, 1, 1), "is a date"),
    (decimal.Decimal("1.5"), "is a Decimal"),
    (uuid.UUID(int=1), "is a UUID"),
    ({1, 2}, "is a set"),
    (b"bytes", "is a bytes"),
    ((1, 2), "pass a list instead"),
    (Point(), "pass an id and look the object up"),
    ({1: "a"}, "keys must be strings"),
    ([{"when": dt.datetime(2026, 1, 1)}], "argument[0][0]['when'] is a datetime"),
])
def test_non_json_arguments_are_refused_at_enqueue(conn, argument, message):
    q = demo_jobs.get_queue("default", conn)
    with pytest.raises(JobRefused, match="simple JSON types|must be strings") as caught:
        q.enqueue(demo_jobs.add, argument, 1)
    assert message in str(caught.value)
    assert q.count == 0


def test_json_arguments_are_accepted(conn):
    job = demo_jobs.get_queue("default", conn).enqueue(demo_jobs.add, 2, 3.5)
    work(conn)
    assert job.return_value() == 5.5


@pytest.mark.parametrize("func", ["os.system", "subprocess.run", "builtins.eval",
                                  "workbook.__main__.main", "__main__.send_email", "noop"])
def test_only_project_job_functions_can_be_enqueued(conn, func):
    q = get_queue("default", conn)
    with pytest.raises(JobRefused):
        q.enqueue(func, "echo pwned")
    assert q.count == 0


def test_main_module_jobs_get_a_clear_message(conn):
    with pytest.raises(JobRefused, match="defined in the notebook .*mailer_app/jobs.py"):
        get_queue("default", conn).enqueue("__main__.send_email", 1)
    namespace = {"__name__": "__main__"}
    exec("def send_email(user_id):\n    return user_id", namespace)
    with pytest.raises(JobRefused, match="send_email is defined in the notebook"):
        get_queue("default", conn).enqueue(namespace["send_email"], 1)


@pytest.mark.parametrize(("name", "app", "demo"), [
    ("mailer_app.jobs.send_welcome_email", True, True),  # registered with @job_function
    ("ex03a_enqueue.send_later", False, True),  # exercise modules, by name: rule 2, demo only
    ("solutions.ex03a_enqueue.send_later", False, True),
    ("playground.try_this", False, True),
    ("mailer_app.jobs.send_user_mail", False, False),  # in jobs.py, but not a job
    ("mailer_app.jobs.load_settings", False, False),
    ("mailer_app.db.reset_db", False, False),
    ("ex03a_enqueue._private", False, False),
    ("ex03a_enqueue.os.system", False, False),  # an attribute path through an import
    ("exercises_evil.x", False, False),
    ("mailer_app.jobs_evil.x", False, False),
    ("playground2.x", False, False),
])
def test_the_registry_rule(name, app, demo):
    assert is_allowed_name(name) is app
    assert is_allowed_name(name, student_modules=True) is demo


class _Exploit:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_planted_pickle_is_never_unpickled(conn, tmp_path):
    marker = tmp_path / "pwned"
    q = demo_jobs.get_queue("default", conn)
    # An attacker with access to Redis writes a job whose data is a pickle bomb.
    job = Job.create(demo_jobs.noop, connection=conn, origin="default", id="planted")
    job.save()
    conn.hset("rq:job:planted", "data", pickle.dumps(_Exploit(marker)))
    conn.rpush("rq:queue:default", "planted")
    conn.sadd("rq:queues", "rq:queue:default")
    work(conn, [q])
    assert not marker.exists()
    assert "planted" in q.failed_job_registry.get_job_ids()


def test_planted_json_job_naming_os_system_is_refused_by_the_worker(conn, tmp_path):
    marker = tmp_path / "pwned"
    plain = Queue("default", connection=conn, serializer=JSONSerializer)  # no allowlist
    job = plain.enqueue("os.system", f"touch {marker}")
    q = get_queue("default", conn)
    work(conn, [q])
    assert not marker.exists()
    assert job.get_status(refresh=True) == JobStatus.FAILED
    assert "Refusing to run 'os.system'" in job.latest_result().exc_string


def test_pickle_queue_job_is_refused_by_a_json_worker(conn):
    job = Queue("default", connection=conn).enqueue(demo_jobs.add, 1, 2)  # pickle serializer
    work(conn, [demo_jobs.get_queue("default", conn)])
    assert job.id in demo_jobs.get_queue("default", conn).failed_job_registry.get_job_ids(), (
        "a job a JSON worker cannot read should end failed")


def test_no_retry_is_the_default_and_keeps_the_job_in_failed(conn):
    q = demo_jobs.get_queue("default", conn)
    job = q.enqueue(demo_jobs.fail, "the mail server said no")
    work(conn)
    assert job.get_status(refresh=True) == JobStatus.FAILED
    assert job.id in q.failed_job_registry
    assert q.failed_job_registry.get_expiration_time(job) is not None
    q.failed_job_registry.requeue(job.id)
    assert job.get_status(refresh=True) == JobStatus.QUEUED


def test_retry_without_intervals_runs_again_until_it_succeeds(conn):
    q = demo_jobs.get_queue("default", conn)
    job = q.enqueue(demo_jobs.flaky, "attempts", 2, retry=Retry(max=3))
    work(conn)
    assert job.get_status(refresh=True) == JobStatus.FINISHED
    assert job.return_value() == 3


def test_enqueue_at_needs_an_aware_datetime(conn, env):
    with pytest.raises(ValueError, match="timezone-aware"):
        delivery.schedule_followup_email_at(1, conn, dt.datetime(2030, 1, 1))
    job = delivery.schedule_followup_email_at(1, conn, dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
    assert job.get_status() == JobStatus.SCHEDULED
    assert job.id in get_queue("mailers", conn).scheduled_job_registry


def test_queued_signup_schedules_the_followup(env, monkeypatch, conn):
    app = create_app({"MAIL_DELIVERY": "queued", "FOLLOWUP_DELAY_SECONDS": 3600})
    app.test_client().post("/users", json=GOOD)
    registry = get_queue("mailers", conn).scheduled_job_registry
    assert registry.get_job_ids() == ["followup-1"]
    scheduled_at = registry.get_scheduled_time("followup-1")
    delta = scheduled_at - dt.datetime.now(dt.UTC)
    assert 3590 < delta.total_seconds() <= 3600


def test_redis_down_gives_503_and_stores_no_user(env, tmp_path, caplog):
    dead = f"redis://127.0.0.1:{processes.free_port()}/0"
    app = create_app({"MAIL_DELIVERY": "queued", "REDIS_URL": dead})
    response = app.test_client().post("/users", json=GOOD)
    assert response.status_code == 503
    assert "try again" in response.json["error"] and dead[8:] not in response.json["error"]
    assert "make redis" in caplog.text, "whoever runs the app reads how to start Redis"
    with db.connection(env["DATABASE"]) as conn:
        assert db.count_users(conn) == 0


def test_digest_lists_todays_signups(client, conn, outbox):
    client.post("/users", json=GOOD)
    job = get_queue("default", conn).enqueue(jobs.send_daily_digest)
    work(conn)
    assert job.return_value()["signups"] == 1
    digest = [m for m in mail.list_outbox(outbox) if m["kind"] == "digest"]
    assert digest[0]["to"] == "team@mailer.test"


def test_scrape_stores_only_what_changed(live_server, env, conn, add_user, monkeypatch):
    with live_server() as base:
        url = f"{base}/status"
        monkeypatch.setenv("SCRAPE_URL", url)  # the worker's setting: the only host it fetches
        q = get_queue("low", conn)
        first, same = q.enqueue(jobs.scrape_status_page, url), q.enqueue(jobs.scrape_status_page,
                                                                          url)
        work(conn)
        add_user("New", "new@example.com")
        changed = q.enqueue(jobs.scrape_status_page, url)
        work(conn)
    assert [j.return_value()["changed"] for j in (first, same, changed)] == [True, False, True]
    with db.connection(env["DATABASE"]) as conn:
        rows = conn.execute("SELECT changed, body FROM page_snapshots ORDER BY id").fetchall()
    assert [r["changed"] for r in rows] == [1, 0, 1]
    assert "Users: 1" in rows[-1]["body"]
