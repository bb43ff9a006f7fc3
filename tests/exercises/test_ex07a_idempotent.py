import ex07a_idempotent as ex
import pytest

from tests.exercises.lockstep import in_lockstep

pytestmark = pytest.mark.exercise("07a")


def test_second_call_does_not_send(conn):
    sent = []
    assert ex.send_once(conn, "welcome:1", lambda: sent.append(1)) is True
    assert ex.send_once(conn, "welcome:1", lambda: sent.append(1)) is False
    assert sent == [1], f"sent {len(sent)} times: the second call must not send"
    ttl = conn.ttl("welcome:1")
    assert ex.WEEK - 60 < ttl <= ex.WEEK, (
        f"after a send, the key's TTL is {ttl} s: mark it done for ttl seconds (one week by "
        "default), so the email is not sent again that week")


def test_the_done_mark_lasts_the_ttl_given(conn):
    assert ex.send_once(conn, "welcome:5", lambda: None, ttl=120, claim_seconds=60) is True
    ttl = conn.ttl("welcome:5")
    assert 60 < ttl <= 120, (
        f"with ttl=120 the key's TTL after the send is {ttl} s: the done mark lasts ttl seconds")


def test_a_claim_expires_so_a_dead_worker_cannot_block_the_email(conn):
    seen = {}

    def send():
        seen["ttl"] = conn.ttl("welcome:4")

    ex.send_once(conn, "welcome:4", send, claim_seconds=60)
    assert 0 < seen["ttl"] <= 60, (
        f"while sending, the claim's TTL was {seen['ttl']}: a claim without an expiry blocks the "
        "email forever if the worker dies mid-send; let it expire after claim_seconds")


def test_concurrent_calls_send_once(redis_url):
    # Eight callers take turns, one round trip each (tests/exercises/lockstep.py): a check and
    # a claim made in two commands let all eight check before any of them claims, every time.
    sent = []
    in_lockstep(redis_url, [lambda c: ex.send_once(c, "welcome:2", lambda: sent.append(1))] * 8)
    assert sent == [1], (
        f"{len(sent)} of 8 concurrent callers sent: the claim must be one atomic command")


def test_failed_send_can_be_retried(conn):
    def broken():
        raise ConnectionError("mail server down")

    with pytest.raises(ConnectionError):
        ex.send_once(conn, "welcome:3", broken)
    sent = []
    assert ex.send_once(conn, "welcome:3", lambda: sent.append(1)) is True, (
        "after a failed send, a retry must be able to send: release the claim on failure")
    assert sent == [1]
