import ex01b_reliable_queue as ex
import pytest

pytestmark = pytest.mark.exercise("01b")


def test_take_moves_the_oldest_item_to_processing(conn):
    conn.lpush("q", "first", "second")
    assert ex.take(conn, "q", "processing", 1) == "first"
    assert conn.lrange("processing", 0, -1) == [b"first"]
    assert conn.lrange("q", 0, -1) == [b"second"]


def test_take_on_empty_queue_gives_none(conn):
    assert ex.take(conn, "q", "processing", 1) is None


def test_success_acknowledges(conn):
    conn.lpush("q", "job-1")
    seen = []
    assert ex.work_one(conn, "q", "processing", seen.append, 1) is True
    assert seen == ["job-1"]
    assert conn.llen("processing") == 0 and conn.llen("q") == 0


class WorkerDied(Exception):
    pass


def test_a_crash_leaves_the_job_in_processing(conn):
    conn.lpush("q", "job-1")

    def crash(item):
        raise WorkerDied(item)

    with pytest.raises(WorkerDied):
        ex.work_one(conn, "q", "processing", crash, 1)
    assert conn.lrange("processing", 0, -1) == [b"job-1"]


def test_empty_queue_returns_false(conn):
    assert ex.work_one(conn, "q", "processing", print, 1) is False
