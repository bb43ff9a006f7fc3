import json
import threading
import time

import ex01a_list_queue as ex
import pytest

pytestmark = pytest.mark.exercise("01a")


def test_push_stores_json_and_returns_the_length(conn):
    assert ex.push_job(conn, "jobs", {"email": "ada@example.com"}) == 1, (
        "push_job must return the list's new length, as LPUSH/RPUSH do")
    assert ex.push_job(conn, "jobs", {"email": "bo@example.com"}) == 2
    stored = {json.loads(item)["email"] for item in conn.lrange("jobs", 0, -1)}
    assert stored == {"ada@example.com", "bo@example.com"}, (
        "each job must be stored in the list as JSON text")


def test_jobs_come_out_first_in_first_out(conn):
    for n in range(3):
        ex.push_job(conn, "jobs", {"n": n})
    popped = [ex.pop_job(conn, "jobs", 1)["n"] for _ in range(3)]
    assert popped == [0, 1, 2], (
        f"jobs came out as {popped}: a queue must be first in, first out (push on one end, "
        "pop from the other)")
    assert conn.llen("jobs") == 0


def test_pop_waits_for_a_job_then_gives_none(conn):
    started = time.monotonic()
    assert ex.pop_job(conn, "empty", timeout=1) is None, "an empty queue must give None"
    assert time.monotonic() - started >= 0.9, (
        "pop_job returned at once: it must block up to timeout seconds (a blocking pop), "
        "or workers spin")


@pytest.mark.timing  # 0.35 s at most beside two busy loops, against 1.5 s allowed
def test_pop_gives_a_job_as_soon_as_it_is_pushed(conn):
    # One job on an empty list: whichever end pop_job takes from, it is that job.
    pusher = threading.Timer(0.3, conn.lpush, ("jobs", json.dumps({"n": 1})))
    started = time.monotonic()
    pusher.start()
    try:
        job = ex.pop_job(conn, "jobs", timeout=3)
    finally:
        pusher.join()
    waited = time.monotonic() - started
    assert job == {"n": 1}, f"a job pushed during the wait must come out, got {job!r}"
    assert waited < 1.5, (
        f"a job pushed 0.3 s into a 3 s wait came out after {waited:.1f} s: a blocking pop "
        "gives it as soon as it arrives, not when the timeout is over")
