import ex03a_enqueue as ex
import pytest

from mailer_app import create_app, mail
from mailer_app.queues import get_queue
from tests.helpers import work

pytestmark = pytest.mark.exercise("03a")


def test_job_is_on_the_mailers_queue_with_its_id(conn):
    job = ex.enqueue_welcome(7, conn)
    assert get_queue("mailers", conn).job_ids == ["welcome-7"], (
        "no job welcome-7 on the mailers queue: enqueue there, with job_id welcome-<user_id>")
    assert job.func_name == "mailer_app.jobs.send_welcome_email", (
        f"the job runs {job.func_name}, not mailer_app.jobs.send_welcome_email")
    assert list(job.args) == [7], "the job's only argument is the user's id"
    assert job.id == "welcome-7", "return the job you enqueued"


def test_a_worker_sends_the_email(add_user, conn, outbox):
    ex.enqueue_welcome(add_user("Ada", "ada@example.com"), conn)
    queue = get_queue("mailers", conn)
    work(conn, [queue])
    [message] = mail.list_outbox(outbox)
    assert message["to"] == "Ada <ada@example.com>"


def test_the_real_app_runs_it_as_its_delivery(env, monkeypatch, conn, outbox):
    monkeypatch.setenv("MAIL_DELIVERY", "ex03a_enqueue:enqueue_welcome")
    app = create_app({"TESTING": True})
    response = app.test_client().post("/users", json={"name": "Ada", "email": "ada@example.com"})
    if response.status_code == 503 and "NotImplementedError" in response.json["error"]:
        ex.enqueue_welcome(1, conn)  # the app answered 503 for the stub: report "not started"
    assert response.status_code == 201, response.json
    assert response.json["job_id"] == f"welcome-{response.json['id']}"
    work(conn, [get_queue("mailers", conn)])
    assert [m["to"] for m in mail.list_outbox(outbox)] == ["Ada <ada@example.com>"]
