import threading
import time

import ex10a_rate_limit as ex
import pytest

from mailer_app import redis_client

pytestmark = pytest.mark.exercise("10a")


def wait_of(value) -> float:
    assert isinstance(value, int | float) and not isinstance(value, bool), (
        f"take must return a number of seconds (0.0 to send now), not {value!r}")
    return float(value)


def test_a_full_bucket_lets_the_first_send_go(conn):
    assert wait_of(ex.take(conn, "bucket", 10)) == 0.0, (
        "a new bucket starts full: the first take returns 0.0 (send now)")


def test_an_empty_bucket_says_how_long_to_wait(conn):
    ex.take(conn, "bucket", 10)
    wait = wait_of(ex.take(conn, "bucket", 10))
    assert 0 < wait <= 0.1, (
        f"at 10 a second with a burst of 1, a second take right away must wait up to 0.1 s "
        f"(one token's refill), not {wait}")


def test_waiting_the_time_it_said_is_enough(conn):
    ex.take(conn, "bucket", 10)
    time.sleep(wait_of(ex.take(conn, "bucket", 10)) + 0.005)
    assert wait_of(ex.take(conn, "bucket", 10)) == 0.0, (
        "after sleeping the wait take returned, a token is there: take returns 0.0")


def test_a_refusal_takes_nothing(conn):
    ex.take(conn, "bucket", 4)
    first = wait_of(ex.take(conn, "bucket", 4))
    second = wait_of(ex.take(conn, "bucket", 4))
    assert second <= first + 0.01, (
        f"a take that returned a wait must not use up a token: the next wait grew from "
        f"{first:.3f} to {second:.3f} s")


def test_the_burst_is_how_many_may_go_at_once(conn):
    waits = [wait_of(ex.take(conn, "bucket", 1, burst=5)) for _ in range(6)]
    assert waits[:5] == [0.0] * 5 and waits[5] > 0, (
        f"a bucket of 5 lets 5 sends go at once and makes the 6th wait; the waits were {waits}")


def test_the_bucket_never_holds_more_than_the_burst(conn):
    ex.take(conn, "bucket", 50, burst=2)
    time.sleep(0.2)  # 10 tokens' worth of refill, but the bucket holds 2
    waits = [wait_of(ex.take(conn, "bucket", 50, burst=2)) for _ in range(3)]
    assert waits[:2] == [0.0, 0.0] and waits[2] > 0, (
        f"however long nobody sends, the bucket holds at most burst tokens; waits {waits}")


def test_the_key_expires(conn):
    ex.take(conn, "bucket", 10)
    ttl = conn.ttl("bucket")
    assert 0 < ttl <= 5, (
        f"the bucket's key must expire once the bucket would be full again (a few seconds "
        f"here), so an idle limiter leaves nothing behind; its TTL is {ttl}")


def test_the_time_is_redis_time(conn, monkeypatch):
    ex.take(conn, "bucket", 1)
    monkeypatch.setattr(time, "time", lambda: 1e10)
    monkeypatch.setattr(time, "monotonic", lambda: 1e10)
    wait = wait_of(ex.take(conn, "bucket", 1))
    assert wait > 0.5, (
        "this worker's clock jumped ahead (as another host's may be) and your bucket refilled: "
        "read the time in Redis (TIME), which every worker shares")


def test_workers_at_once_share_one_limit(redis_url):
    rate, seconds, threads = 20, 1.5, 8
    grants: list[float] = []
    raised: list[BaseException] = []
    start = time.monotonic()

    def worker():
        conn = redis_client.client_for(redis_url)
        try:
            while (now := time.monotonic()) - start < seconds:
                if ex.take(conn, "shared", rate) == 0.0:
                    grants.append(now)
        except BaseException as exc:  # raised again below, where pytest sees it
            raised.append(exc)
        finally:
            conn.close()

    running = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in running:
        thread.start()
    for thread in running:
        thread.join()
    if raised:
        raise raised[0]
    bound = rate * seconds + 1 + 3  # the refill, the full bucket, a margin for the clock
    assert len(grants) <= bound, (
        f"{threads} workers calling at once took {len(grants)} tokens in {seconds} s at "
        f"{rate} a second (at most {bound:.0f}): two workers took the same token. Read, "
        "refill and take in one Lua script, which Redis runs without interleaving")
    assert len(grants) >= rate * seconds / 2, (
        f"only {len(grants)} sends in {seconds} s at {rate} a second: the bucket refills too "
        "slowly")
