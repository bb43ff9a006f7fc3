import ex08b_bulk_enqueue as ex
import pytest
import redis

from mailer_app import redis_client
from mailer_app.queues import get_queue

pytestmark = pytest.mark.exercise("08b")


def test_enqueues_every_user_in_order(conn):
    queue = get_queue("mailers", conn)
    jobs = ex.enqueue_welcomes(queue, range(1, 501))
    assert [j.id for j in jobs] == [f"welcome-{i}" for i in range(1, 501)], (
        "each job's id must be welcome-<user_id>, returned in the users' order")
    assert queue.job_ids == [f"welcome-{i}" for i in range(1, 501)]
    job = queue.fetch_job("welcome-42")
    assert job.func_name == "mailer_app.jobs.send_welcome_email" and job.args == [42]


class CountingConnection(redis.Connection):
    """A connection that counts its writes to Redis: one per command, or one per pipeline."""

    writes = 0

    def send_packed_command(self, command, check_health=True):
        CountingConnection.writes += 1
        return super().send_packed_command(command, check_health)


def test_one_round_trip(redis_url, conn):
    counted = redis_client.client_for(redis_url, connection_class=CountingConnection)
    try:
        queue = get_queue("mailers", counted)
        counted.ping()  # connect first: the handshake is not the exercise's
        before = CountingConnection.writes
        ex.enqueue_welcomes(queue, range(100))
        writes = CountingConnection.writes - before
    finally:
        counted.close()
    assert writes <= 3, (
        f"enqueueing 100 jobs took {writes} round trips to Redis: send them all in one round "
        "trip (prepare_data for each, then one enqueue_many)")
    assert len(get_queue("mailers", conn).job_ids) == 100, "not every job reached the queue"
