import json
import zlib

import ex03a_enqueue as ex
import pytest
from rq.exceptions import DuplicateJobError

from mailer_app import create_app, db, mail
from mailer_app.jobs import UserNotFound
from mailer_app.queues import AllowlistJob, get_queue
from tests.helpers import work

pytestmark = pytest.mark.exercise("03a")


@pytest.fixture(autouse=True)
def job_modules(monkeypatch):
    """As notebook 03 starts the worker: its JOB_MODULES names this exercise's module."""
    monkeypatch.setenv("JOB_MODULES", "ex03a_enqueue")


# --- the job: send_welcome(user_id) ----------------------------------------------------------

def test_the_job_sends_the_user_the_welcome_email_and_records_it(add_user, env, outbox):
    user_id = add_user("Ada", "ada@example.com")
    ex.send_welcome(user_id)
    sent = mail.list_outbox(outbox)
    assert [(m["to"], m["kind"]) for m in sent] == [("Ada <ada@example.com>", "welcome")], (
        f"send_welcome({user_id}) must send Ada the app's welcome email; the outbox has "
        f"{[(m['to'], m['kind']) for m in sent]}")
    with db.connection(env["DATABASE"]) as conn:
        assert db.get_user(conn, user_id)["welcome_sent_at"], (
            "the database does not record the welcome email as sent (welcome_sent_at is empty): "
            "send it with the app's mail code, which records it")


def test_the_job_sends_once_however_often_it_runs(add_user, outbox):
    user_id = add_user("Ada", "ada@example.com")
    for _ in range(3):
        ex.send_welcome(user_id)
    sent = len(mail.list_outbox(outbox))
    assert sent == 1, f"three runs for one user sent {sent} emails: a repeated job sends once"


def test_the_job_raises_user_not_found_for_an_unknown_id(add_user, outbox):
    add_user("Ada", "ada@example.com")
    try:
        returned = ex.send_welcome(999)
    except UserNotFound:
        returned = None
    else:
        pytest.fail(f"send_welcome(999), an id nobody has, returned {returned!r}: it must raise "
                    "UserNotFound (mailer_app.jobs), so the job fails where you can see it")
    assert mail.list_outbox(outbox) == [], "nobody has id 999: no email may go out"


# --- the enqueue: enqueue_welcome(user_id, connection) ---------------------------------------

def test_the_enqueue_puts_your_job_on_mailers_with_the_id_alone(conn):
    job = ex.enqueue_welcome(7, conn)
    queued = {q: get_queue(q, conn).job_ids for q in ("high", "default", "mailers", "low")}
    assert queued == {"high": [], "default": [], "mailers": ["welcome-7"], "low": []}, (
        f"expected the job welcome-7 on the mailers queue alone, found {queued}")
    assert job.func_name == "ex03a_enqueue.send_welcome", (
        f"the job runs {job.func_name}, not your ex03a_enqueue.send_welcome")
    assert list(job.args) == [7] and not job.kwargs, (
        f"the job's arguments are {list(job.args)} {job.kwargs}: the user's id alone, [7]")


def test_the_enqueue_returns_the_job_whose_id_names_the_user(conn):
    job = ex.enqueue_welcome(7, conn)
    assert getattr(job, "id", None) == "welcome-7", (
        f"enqueue_welcome returned {job!r}: return the job, whose id is welcome-<user_id>")


def test_the_job_is_stored_as_json_and_made_by_the_allowlisting_job_class(conn):
    job = ex.enqueue_welcome(7, conn)
    stored = zlib.decompress(conn.hget("rq:job:welcome-7", "data"))
    try:
        call = json.loads(stored)
    except ValueError:
        pytest.fail("the job is not stored as JSON (pickle?): the workers here read JSON only")
    assert call == ["ex03a_enqueue.send_welcome", None, [7], {}], call
    assert isinstance(job, AllowlistJob), (
        f"the job was made by {type(job).__name__}, not the allowlisting job class "
        "(mailer_app.queues.AllowlistJob)")


def test_a_second_enqueue_for_the_same_user_is_refused(conn):
    ex.enqueue_welcome(7, conn)
    try:
        ex.enqueue_welcome(7, conn)
    except DuplicateJobError:
        pass
    else:
        pytest.fail("a second enqueue_welcome(7) was accepted: it must be refused with RQ's "
                    "DuplicateJobError")
    assert get_queue("mailers", conn).job_ids == ["welcome-7"], "one job per user, not two"


# --- both together: a worker runs the job, the app runs the enqueue --------------------------

def test_a_worker_runs_your_job_and_sends_the_email(add_user, conn, outbox):
    job = ex.enqueue_welcome(add_user("Ada", "ada@example.com"), conn)
    # The app's worker, as notebook 03 starts it: it runs your job because it is registered.
    work(conn, [get_queue("mailers", conn)], job_class=AllowlistJob)
    result = job.latest_result()
    assert job.get_status(refresh=True).value == "finished", (
        "the worker did not finish your job: "
        f"{result.exc_string.strip().splitlines()[-1] if result and result.exc_string else ''}")
    [message] = mail.list_outbox(outbox)
    assert message["to"] == "Ada <ada@example.com>"


def test_the_real_app_runs_it_as_its_delivery(env, monkeypatch, conn, outbox, caplog):
    monkeypatch.setenv("MAIL_DELIVERY", "ex03a_enqueue:enqueue_welcome")
    app = create_app({"TESTING": True})
    response = app.test_client().post("/users", json={"name": "Ada", "email": "ada@example.com"})
    if response.status_code == 503 and "NotImplementedError" in caplog.text:
        ex.enqueue_welcome(1, conn)  # the app answered 503 for the stub: report "not started"
    assert response.status_code == 201, response.json
    assert response.json["job_id"] == f"welcome-{response.json['id']}"
    work(conn, [get_queue("mailers", conn)])
    assert [m["to"] for m in mail.list_outbox(outbox)] == ["Ada <ada@example.com>"]

