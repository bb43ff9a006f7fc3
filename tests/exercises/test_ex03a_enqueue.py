import ex03a_enqueue as ex
import pytest

from mailer_app import mail
from mailer_app.queues import get_queue
from tests.helpers import work

pytestmark = pytest.mark.exercise("03a")


def test_job_is_on_the_mailers_queue_with_its_id(conn):
    job = ex.enqueue_welcome(conn, 7)
    assert job.id == "welcome-7"
    assert job.func_name == "mailer_app.jobs.send_welcome_email"
    assert list(job.args) == [7]
    assert get_queue("mailers", conn).job_ids == ["welcome-7"]


def test_a_worker_sends_the_email(add_user, conn, outbox):
    ex.enqueue_welcome(conn, add_user("Ada", "ada@example.com"))
    queue = get_queue("mailers", conn)
    work(conn, [queue])
    [message] = mail.list_outbox(outbox)
    assert message["to"] == "Ada <ada@example.com>"
