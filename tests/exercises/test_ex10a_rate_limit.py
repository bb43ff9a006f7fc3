import math
import threading
import time

import ex10a_rate_limit as ex
import pytest

from mailer_app import redis_client
from tests.exercises.lockstep import in_lockstep

pytestmark = pytest.mark.exercise("10a")


def wait_of(value) -> float:
    assert isinstance(value, int | float) and not isinstance(value, bool), (
        f"take must return a number of seconds (0.0 to send now), not {value!r}")
    return float(value)


def test_a_full_bucket_lets_the_first_send_go(conn):
    assert wait_of(ex.take(conn, "bucket", 10)) == 0.0, (
        "a new bucket starts full: the first take returns 0.0 (send now)")


# The rates below leave half a second or more between one take and the refill that would
# change its answer; two takes in a row took 6 ms at most beside two busy loops on two cores,
# and 21 takes 9 ms.


@pytest.mark.timing
def test_an_empty_bucket_says_how_long_to_wait(conn):
    ex.take(conn, "bucket", 2)
    wait = wait_of(ex.take(conn, "bucket", 2))
    assert 0 < wait <= 0.5, (
        f"at 2 a second with a burst of 1, a second take right away must wait up to 0.5 s "
        f"(one token's refill), not {wait}")


@pytest.mark.timing
def test_waiting_the_time_it_said_is_enough(conn):
    ex.take(conn, "bucket", 2)
    time.sleep(wait_of(ex.take(conn, "bucket", 2)) + 0.005)
    assert wait_of(ex.take(conn, "bucket", 2)) == 0.0, (
        "after sleeping the wait take returned, a token is there: take returns 0.0")


@pytest.mark.timing
def test_a_refusal_takes_nothing(conn):
    ex.take(conn, "bucket", 2)
    first = wait_of(ex.take(conn, "bucket", 2))
    second = wait_of(ex.take(conn, "bucket", 2))
    assert second <= first + 0.01, (
        f"a take that returned a wait must not use up a token: the next wait grew from "
        f"{first:.3f} to {second:.3f} s")


@pytest.mark.timing
def test_the_burst_is_how_many_may_go_at_once(conn):
    waits = [wait_of(ex.take(conn, "bucket", 1, burst=5)) for _ in range(6)]
    assert waits[:5] == [0.0] * 5 and waits[5] > 0, (
        f"a bucket of 5 lets 5 sends go at once and makes the 6th wait; the waits were {waits}")


@pytest.mark.timing
def test_the_bucket_never_holds_more_than_the_burst(conn):
    rate, burst, takes = 20, 2, 21
    ex.take(conn, "bucket", rate, burst=burst)
    time.sleep(1.0)  # 20 tokens' worth of refill, but the bucket holds 2
    started = time.monotonic()
    waits = [wait_of(ex.take(conn, "bucket", rate, burst=burst)) for _ in range(takes)]
    took = time.monotonic() - started
    # Whatever the machine's speed: the 2 held, plus what refilled while these takes ran.
    most = burst + rate * took
    assert waits.count(0.0) <= most, (
        f"however long nobody sends, the bucket holds at most burst tokens: {takes} takes "
        f"in {took:.3f} s right after a pause were granted {waits.count(0.0)} tokens, more "
        f"than the {burst} it holds and the {rate * took:.1f} refilled meanwhile")


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


def test_two_workers_that_both_read_first_share_one_token(redis_url):
    # Two clients take turns, one round trip each (tests/exercises/lockstep.py): a take made
    # of a read and a write reads twice before it writes. A bucket of one token that refills
    # once every ten seconds, so no refill falls between the two takes.
    waits = in_lockstep(redis_url, [lambda c: wait_of(ex.take(c, "shared", 0.1))] * 2)
    assert sorted(waits)[0] == 0.0 and sorted(waits)[1] > 0, (
        f"two workers taking at once from a bucket of one token got waits {waits}: "
        + ("both read the bucket before either wrote it, and took the same token. Read, "
           "refill and take in one Lua script, which Redis runs without interleaving"
           if waits.count(0.0) == 2 else "one of them must get the token"))


def redis_time(conn) -> float:
    seconds, micros = conn.time()
    return seconds + micros / 1e6


@pytest.mark.timing
def test_workers_at_once_share_one_limit(redis_url):
    rate, seconds, threads = 20, 1.5, 8
    grants: list[float] = []
    raised: list[BaseException] = []
    clock = redis_client.client_for(redis_url)
    opened = redis_time(clock)  # Redis's clock, which the bucket reads: before any take
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
    window = redis_time(clock) - opened  # after every take: no margin needed
    clock.close()
    if raised:
        raise raised[0]
    bound = math.floor(1 + rate * window + 1e-6)  # the full bucket, then the refill
    assert len(grants) <= bound, (
        f"{threads} workers calling at once took {len(grants)} tokens in {window:.2f} s at "
        f"{rate} a second (at most {bound}): two workers took the same token. Read, "
        "refill and take in one Lua script, which Redis runs without interleaving")
    assert len(grants) >= rate * seconds / 2, (
        f"only {len(grants)} sends in {seconds} s at {rate} a second: the bucket refills too "
        "slowly")
