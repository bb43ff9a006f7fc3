import ex08b_bulk_enqueue as ex
import pytest

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


def test_one_round_trip(conn):
    queue = get_queue("mailers", conn)
    before = conn.info("stats")["total_commands_processed"]
    calls_before = conn.info("commandstats").get("cmdstat_exec", {}).get("calls", 0)
    ex.enqueue_welcomes(queue, range(100))
    calls_after = conn.info("commandstats").get("cmdstat_exec", {}).get("calls", 0)
    # A pipeline in a MULTI/EXEC: one EXEC for the whole batch, not one per job.
    assert calls_after - calls_before == 1, (
        f"{calls_after - calls_before} transactions for 100 jobs: send them in one round trip")
    assert conn.info("stats")["total_commands_processed"] - before > 100
