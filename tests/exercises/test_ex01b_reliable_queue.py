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


def test_take_on_an_empty_queue_gives_none(conn):
    assert ex.take(conn, "q", "processing", 1) is None


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
