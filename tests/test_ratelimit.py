"""The shared send-rate limit: a token bucket in Redis that every worker takes from.

Unit tests run ``take`` against the session's real Redis. The atomicity test forces the
interleaving a race needs, two clients both reading before either writes (they take turns, one
round trip each: tests/exercises/lockstep.py), and proves it fails a non-atomic bucket every
time; the concurrency test runs several real processes against one bucket and counts what
they were granted. The storm runs the app, its workers and a rate-limited SMTP sink; the
backpressure test reads the signup's own answer.
"""

from __future__ import annotations

import json
import math
import sys
import time
from pathlib import Path

import pytest

from mailer_app.config import import_object
from mailer_app.ratelimit import take, wait_for_slot
from mailer_app.redis_client import client_for
from tests.exercises.lockstep import in_lockstep
from workbook.http import post
from workbook.notebook import Workbench
from workbook.processes import start_process, wait_until
from workbook.storm import storm


@pytest.fixture
def lab():
    """A notebook's Workbench (its own redis-server, database, outbox); closed by PID after."""
    workbench = Workbench(persistence="none")
    try:
        yield workbench
    finally:
        workbench.close()


# --- take, one caller ---------------------------------------------------------------------


# Two takes in a row took at most 6 ms beside two busy loops: the refill these tests lean on
# (half a second, a second) is a hundred times that.
@pytest.mark.timing
def test_the_first_take_is_granted_and_the_second_waits_for_the_refill(conn):
    assert take(conn, "bucket", 2, 1) == 0.0
    wait = take(conn, "bucket", 2, 1)
    assert 0 < wait <= 0.5
    time.sleep(wait)
    assert take(conn, "bucket", 2, 1) == 0.0


@pytest.mark.timing
def test_a_burst_of_five_grants_five_at_once_then_waits(conn):
    # One token a second: the sixth take cannot be refilled in the milliseconds this takes.
    assert [take(conn, "burst", 1, 5) for _ in range(5)] == [0.0] * 5
    assert 0 < take(conn, "burst", 1, 5) <= 1


def test_the_bucket_expires_once_it_would_be_full_again(conn):
    take(conn, "expiring", 2, 4)
    assert 0 < conn.ttl("expiring") <= math.ceil(4 / 2) + 1


@pytest.mark.parametrize(("rate", "burst", "message"), [
    (0, 1, "rate must be above 0 and burst at least 1, not 0 and 1"),
    (-5, 1, "rate must be above 0 and burst at least 1, not -5 and 1"),
    (10, 0, "rate must be above 0 and burst at least 1, not 10 and 0"),
])
def test_a_bad_rate_or_burst_is_refused(conn, rate, burst, message):
    with pytest.raises(ValueError, match=message):
        take(conn, "bucket", rate, burst)
    assert conn.exists("bucket") == 0


# --- many processes, one bucket -------------------------------------------------------------


def take_without_atomicity(connection, key: str, rate: float, burst: int = 1) -> float:
    """The same bucket, read and written in separate commands (what the Lua script avoids)."""
    now = time.time()
    tokens, at = connection.hmget(key, "tokens", "at")
    tokens = float(tokens) if tokens is not None else burst
    at = float(at) if at is not None else now
    tokens = min(burst, tokens + max(0.0, now - at) * rate)
    if tokens >= 1:
        connection.hset(key, mapping={"tokens": tokens - 1, "at": now})
        return 0.0
    connection.hset(key, mapping={"tokens": tokens, "at": now})
    return (1 - tokens) / rate


@pytest.mark.parametrize(("limiter", "atomic"), [
    (take, True),
    (take_without_atomicity, False),
], ids=["lua-script", "get-then-set"])
def test_two_takes_that_both_read_before_either_writes_share_one_token(redis_url, limiter,
                                                                       atomic):
    # One token, refilled once every ten seconds: none comes back between the two takes.
    waits = in_lockstep(redis_url, [lambda c: limiter(c, "one-token", 0.1, 1)] * 2)
    if atomic:
        assert sorted(waits)[0] == 0.0 and sorted(waits)[1] > 0, (
            f"one token, two takes: exactly one must be granted, got waits {waits}")
    else:
        # Teeth: both read "one token left" before either wrote, and both took it.
        assert waits == [0.0, 0.0], f"the non-atomic bucket granted one token once: {waits}"


def take_grants(redis_url: str, limiter: str, rate: float, seconds: float,
                folder: str, name: str) -> None:
    """In a child process: say ready, wait for ``go``, take slots for ``seconds``, write times."""
    connection = client_for(redis_url)
    take_one = import_object(limiter)
    folder = Path(folder)
    (folder / f"{name}.ready").touch()
    while not (folder / "go").exists():
        time.sleep(0.005)
    started, grants = time.time(), []
    while time.time() - started < seconds:
        wait_for_slot(connection, rate, take_one)
        grants.append(time.time())
    (folder / f"{name}.part").write_text(json.dumps(grants))
    (folder / f"{name}.part").rename(folder / f"{name}.json")


def grants_from_processes(redis_url: str, limiter: str, processes: int, rate: float,
                          seconds: float, folder: Path) -> tuple[int, float]:
    """Run ``processes`` real processes on one bucket; return (grants, seconds they span)."""
    folder.mkdir()
    names = [f"taker{n}" for n in range(processes)]
    children = []
    try:
        for name in names:
            code = (f"from tests.test_ratelimit import take_grants; take_grants("
                    f"{redis_url!r}, {limiter!r}, {rate!r}, {seconds!r}, {str(folder)!r}, "
                    f"{name!r})")
            children.append(start_process([sys.executable, "-c", code], name=name,
                                          log_dir=folder / "logs"))

        def all_there(suffix: str) -> bool:
            for child in children:
                if not child.running() and child.process.returncode != 0:
                    raise RuntimeError(f"{child.name} failed:\n{child.log()[-2000:]}")
            return all((folder / f"{name}{suffix}").exists() for name in names)

        wait_until(lambda: all_there(".ready"), 60, what="every taker ready")
        # Every grant comes after this moment (the takers wait for go) and before the time
        # its taker recorded for it, so the bucket allowed at most
        # burst + rate * (last recorded - opened) of them.
        opened = time.time()
        (folder / "go").touch()
        wait_until(lambda: all_there(".json"), seconds + 60, what="every taker done")
    finally:
        for child in children:
            child.stop()
    granted = [json.loads((folder / f"{name}.json").read_text()) for name in names]
    return sum(map(len, granted)), max(max(g) for g in granted if g) - opened


def most_allowed(rate: float, span: float, burst: int = 1) -> int:
    """What a token bucket may grant in ``span`` seconds, plus two for float rounding."""
    return math.floor(burst + rate * span) + 2


@pytest.mark.slow
@pytest.mark.timing
def test_processes_sharing_the_bucket_get_no_more_than_the_rate(redis_url, tmp_path):
    granted, span = grants_from_processes(redis_url, "mailer_app.ratelimit:take", processes=6,
                                          rate=20, seconds=2, folder=tmp_path / "takers")
    assert granted <= most_allowed(20, span), f"{granted} grants in {span:.2f} s at 20/s"
    assert granted >= 20, f"only {granted} grants in {span:.2f} s: the bucket starved"


# --- end to end ---------------------------------------------------------------------------


# Margins, measured beside two busy loops on two cores: without a limit, four workers made
# their first four attempts within 0.1 s (a provider at 3 a second refuses the fourth if
# they come within 1 s); with a limit of 7 against 10, a send strayed at most 0.05 s from
# the limiter's pace, where 0.28 s would be needed to fit 11 sends into one second.
@pytest.mark.timing
@pytest.mark.parametrize(("provider_rate", "limit"), [(3, 0), (10, 7)],
                         ids=["no-limit", "limit-7"])
def test_a_storm_against_a_rate_limited_provider(lab, provider_rate, limit):
    result = storm(lab, signups=40, workers=4, provider_rate=provider_rate, limit=limit,
                   name=f"storm{int(limit)}")
    if not limit:
        assert result.temporary_failures > 0, (
            f"4 workers never outran a {provider_rate}/s provider")
        return
    assert result.temporary_failures == 0
    assert result.sent == 40 and result.failed_for_good == 0
    assert result.busiest_second() <= provider_rate


@pytest.mark.parametrize("delivery", ["queued", "relayed"])
def test_a_signup_behind_a_backlog_is_told_how_late_its_email_is(live_server, delivery):
    # No worker and no relay runs, so every email stays waiting: 1, 2, 3 of them at 1/s.
    def answers(**settings):
        with live_server(MAIL_DELIVERY=delivery, MAIL_LATE_AFTER_SECONDS=2, **settings) as base:
            return [post(base, "/users", {"name": f"Late {n}",
                                          "email": f"late{n}-{len(settings)}@example.com"})
                    for n in range(1, 4)]

    limited = answers(MAIL_RATE_LIMIT=1)
    assert [status for status, _, _ in limited] == [201, 201, 201]
    first, second, third = (body for _, body, _ in limited)
    assert "notice" not in first and "notice" not in second, "within 2 s is not late"
    assert third["mail_expected_in_seconds"] == 3
    assert "within about 1 minute" in third["notice"]
    unlimited = answers()
    assert [status for status, _, _ in unlimited] == [201, 201, 201]
    assert all("notice" not in body and "mail_expected_in_seconds" not in body
               for _, body, _ in unlimited)
