import json
import time

import ex01a_list_queue as ex
import pytest

pytestmark = pytest.mark.exercise("01a")


def test_push_stores_json_and_returns_length(conn):
    assert ex.push_job(conn, "jobs", {"email": "ada@example.com"}) == 1
    assert ex.push_job(conn, "jobs", {"email": "bo@example.com"}) == 2
    assert json.loads(conn.lindex("jobs", -1)) == {"email": "ada@example.com"}


def test_pop_is_first_in_first_out(conn):
    for n in range(3):
        ex.push_job(conn, "jobs", {"n": n})
    assert [ex.pop_job(conn, "jobs", 1)["n"] for _ in range(3)] == [0, 1, 2]
    assert conn.llen("jobs") == 0


def test_pop_waits_then_gives_none(conn):
    started = time.monotonic()
    assert ex.pop_job(conn, "empty", timeout=1) is None
    assert time.monotonic() - started >= 0.9
