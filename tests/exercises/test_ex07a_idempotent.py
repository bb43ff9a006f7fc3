import threading
import time

import ex07a_idempotent as ex
import pytest
import redis

pytestmark = pytest.mark.exercise("07a")


def test_second_call_does_not_send(conn):
    sent = []
    assert ex.send_once(conn, "welcome:1", lambda: sent.append(1)) is True
    assert ex.send_once(conn, "welcome:1", lambda: sent.append(1)) is False
    assert sent == [1]
    assert conn.get("welcome:1") == b"sent" and conn.ttl("welcome:1") > 3600


class SlowRedis(redis.Redis):
    """A client whose every command takes 20 ms longer: a busy network, widening races."""

    def execute_command(self, *args, **options):
        time.sleep(0.02)
        return super().execute_command(*args, **options)


def test_concurrent_calls_send_once(conn, redis_url):
    sent, errors = [], []
    barrier = threading.Barrier(8)

    def call():
        client = SlowRedis.from_url(redis_url)
        barrier.wait()
        try:
            ex.send_once(client, "welcome:2", lambda: (time.sleep(0.05), sent.append(1)))
        except Exception as exc:  # re-raised below: a thread's exception is otherwise lost
            errors.append(exc)

    threads = [threading.Thread(target=call) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    assert sent == [1]


def test_failed_send_can_be_retried(conn):
    def broken():
        raise ConnectionError("mail server down")

    with pytest.raises(ConnectionError):
        ex.send_once(conn, "welcome:3", broken)
    sent = []
    assert ex.send_once(conn, "welcome:3", lambda: sent.append(1)) is True
    assert sent == [1]
