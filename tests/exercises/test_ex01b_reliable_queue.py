import time

import ex01b_reliable_queue as ex
import pytest
import redis

pytestmark = pytest.mark.exercise("01b")


def test_take_moves_the_oldest_item_to_processing(conn):
    conn.lpush("q", "first", "second")
    assert ex.take(conn, "q", "processing", 1) == "first", "take must return the oldest item"
    assert conn.lrange("processing", 0, -1) == [b"first"], (
        "the taken item must be on the processing list")
    assert conn.lrange("q", 0, -1) == [b"second"]


def test_take_on_an_empty_queue_waits_then_gives_none(conn):
    started = time.monotonic()
    assert ex.take(conn, "q", "processing", 1) is None, "an empty queue must give None"
    assert time.monotonic() - started >= 0.9, (
        "take returned at once on an empty queue: it must wait up to timeout seconds for an "
        "item (the blocking form of the move), or workers spin")


class DiesAfterOneCommand(redis.Redis):
    """A client whose connection drops after its first command: a worker crashing mid-take."""

    commands = 0

    def execute_command(self, *args, **options):
        self.commands += 1
        if self.commands > 1:
            raise redis.ConnectionError("the worker died here")
        return super().execute_command(*args, **options)


def test_a_worker_dying_mid_take_never_loses_the_item(redis_url, conn):
    conn.lpush("q", "job-1")
    dying = DiesAfterOneCommand.from_url(redis_url)
    try:
        ex.take(dying, "q", "processing", 1)
    except redis.ConnectionError:
        pass
    where = conn.lrange("q", 0, -1) + conn.lrange("processing", 0, -1)
    assert where == [b"job-1"], (
        "the item was lost when the worker died between two commands: take must move it in "
        "one atomic command")


def test_success_acknowledges(conn):
    conn.lpush("q", "job-1")
    seen = []
    assert ex.work_one(conn, "q", "processing", seen.append, 1) is True
    assert seen == ["job-1"], "work_one must call the handler with the item"
    assert conn.llen("processing") == 0 and conn.llen("q") == 0, (
        "after the handler returns, the item must be removed from processing (acknowledged)")


def test_success_acknowledges_only_the_item_it_took(conn):
    conn.lpush("processing", "job-1", "other-job")  # another worker's items, still being run
    conn.lpush("q", "job-1")
    assert ex.work_one(conn, "q", "processing", lambda item: None, 1) is True
    left = sorted(conn.lrange("processing", 0, -1))
    assert left == [b"job-1", b"other-job"], (
        f"after the handler returned, processing holds {left}: acknowledge only the one item "
        "this call took, and leave another worker's items (even one with the same text) there")


class WorkerDied(Exception):
    pass


def test_a_crash_leaves_the_job_in_processing(conn):
    conn.lpush("q", "job-1")

    def crash(item):
        raise WorkerDied(item)

    with pytest.raises(WorkerDied):
        ex.work_one(conn, "q", "processing", crash, 1)
    assert conn.lrange("processing", 0, -1) == [b"job-1"], (
        "the item was acknowledged although the handler crashed: remove it only after success")


def test_an_empty_queue_returns_false(conn):
    assert ex.work_one(conn, "q", "processing", print, 1) is False
