"""The transactional outbox (``MAIL_DELIVERY=relayed``) and its relay, with real processes.

Web processes that die after their commit, a relay that dies between its enqueue and its
mark, jobs enqueued before the user is committed, a Redis that is down: each test counts what
became of the welcome emails from durable facts (the users table, ``mail_outbox``, the outbox
folder, RQ's job hashes), never from how long something took.
"""

from __future__ import annotations

import sqlite3
import sys

import pytest
from rq.job import JobStatus

from mailer_app import db, mail, relay
from mailer_app.config import load_settings
from mailer_app.queues import JOB_CLASS, get_queue
from workbook import redis_runner
from workbook.dual_write import (
    crash_run,
    race_run,
    run_relay_until_done,
    wait_for_mailers_queue,
)
from workbook.http import post
from workbook.notebook import Workbench
from workbook.processes import free_port, start_process, wait_until

GOOD = {"name": "Ada Lovelace", "email": "ada@example.com"}


@pytest.fixture
def lab():
    """A notebook's Workbench (its own redis-server, database, outbox); closed by PID after."""
    workbench = Workbench(persistence="none")
    try:
        yield workbench
    finally:
        workbench.close()


def outbox_rows(database) -> list[dict]:
    with db.connection(database) as conn:
        return [dict(row) for row in conn.execute("SELECT * FROM mail_outbox ORDER BY id")]


def user_emails(database) -> list[str]:
    with db.connection(database) as conn:
        return [row["email"] for row in conn.execute("SELECT email FROM users ORDER BY id")]


def welcome_recipients(outbox) -> list[str]:
    return sorted(m["to"] for m in mail.list_outbox(outbox) if m["kind"] == "welcome")


# --- settings ---------------------------------------------------------------------------


def test_relayed_delivery_is_a_setting(monkeypatch):
    monkeypatch.setenv("MAIL_DELIVERY", "relayed")
    monkeypatch.setenv("RELAY_FAULT", "crash-after-enqueue")
    settings = load_settings()
    assert settings["MAIL_DELIVERY"] == "relayed"
    assert settings["RELAY_FAULT"] == "crash-after-enqueue"


@pytest.mark.parametrize(("name", "value", "message"), [
    ("SIGNUP_FAULT", "crash_after_commit",
     "SIGNUP_FAULT must be one of '', crash-after-commit, enqueue-before-commit, "
     "not 'crash_after_commit'"),
    ("SIGNUP_FAULT", "mailer_app.faults:crash_here",
     "SIGNUP_FAULT must be one of '', crash-after-commit, enqueue-before-commit, not"),
    ("RELAY_FAULT", "crash", "RELAY_FAULT must be one of '', crash-after-enqueue, not 'crash'"),
])
def test_a_bad_fault_setting_is_refused_by_name(monkeypatch, name, value, message):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError) as caught:
        load_settings()
    assert message in str(caught.value)


# --- the outbox table -------------------------------------------------------------------


def test_a_deleted_user_takes_their_waiting_mail_along(tmp_path):
    database = tmp_path / "mailer.sqlite"
    db.init_db(database)
    with db.connection(database) as conn:
        gone = db.insert_user_with_mail(conn, "Gone", "gone@example.com", ("welcome", "followup"))
        kept = db.insert_user_with_mail(conn, "Kept", "kept@example.com")
        conn.execute("DELETE FROM users WHERE id = ?", (gone,))
    assert [(r["user_id"], r["kind"]) for r in outbox_rows(database)] == [(kept, "welcome")]


def test_without_the_foreign_keys_pragma_the_mail_would_be_orphaned(tmp_path):
    """Teeth for the test above: SQLite enforces ON DELETE CASCADE only when told to."""
    database = tmp_path / "mailer.sqlite"
    db.init_db(database)
    with db.connection(database) as conn:
        user_id = db.insert_user_with_mail(conn, "Gone", "gone@example.com")
    plain = sqlite3.connect(database, isolation_level=None)  # foreign_keys is off by default
    try:
        plain.execute("DELETE FROM users WHERE id = ?", (user_id,))
    finally:
        plain.close()
    assert [r["user_id"] for r in outbox_rows(database)] == [user_id]


# --- the signup --------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("rate_limit", [0, 5], ids=["no-limit", "backlog-notice-on"])
def test_a_relayed_signup_needs_no_redis_and_its_mail_waits(live_server, env, rate_limit):
    nobody = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    with live_server(MAIL_DELIVERY="relayed", REDIS_URL=nobody,
                     MAIL_RATE_LIMIT=rate_limit) as base:
        status, body, _ = post(base, "/users", GOOD)
    assert status == 201, body
    assert body["delivery"] == "relayed" and "job_id" not in body
    assert user_emails(env["DATABASE"]) == [GOOD["email"]]
    [row] = outbox_rows(env["DATABASE"])
    assert (row["user_id"], row["kind"]) == (body["id"], "welcome")
    assert (row["attempts"], row["relayed_at"], row["job_id"]) == (0, None, None)


# --- crashes ------------------------------------------------------------------------------


@pytest.mark.parametrize(("delivery", "lost"), [("queued", 3), ("relayed", 0)])
def test_a_web_process_dying_after_its_commit(lab, delivery, lost):
    lab.worker(["mailers"], job_class=JOB_CLASS)
    counted = crash_run(lab, delivery, signups=3, prefix=delivery)
    assert counted.web_crashes == 3, "every web process must die with status 70"
    assert counted.users == 3, "the commit came before the crash"
    assert counted.without_email == lost
    assert counted.sent_twice == 0


def test_a_relay_dying_between_enqueue_and_mark_sends_each_email_once(lab):
    lab.worker(["mailers"], job_class=JOB_CLASS)
    counted = crash_run(lab, "relayed", signups=3, signup_fault="",
                        relay_fault="crash-after-enqueue", prefix="relay")
    assert counted.web_crashes == 0
    assert counted.relay_crashes == 3, "the relay dies (status 70) once per row"
    assert counted.rows_relayed_twice == 3
    assert counted.refused_by_rq == 3, "RQ refuses each second enqueue: the job is still there"
    assert [r["attempts"] for r in outbox_rows(lab.env["DATABASE"])] == [2, 2, 2]
    assert (counted.users, counted.emailed, counted.without_email) == (3, 3, 0)
    assert counted.sent_twice == 0


def test_the_sent_mark_absorbs_a_duplicate_after_the_first_job_is_gone(lab):
    lab.worker(["mailers"], job_class=JOB_CLASS)
    base = lab.web(MAIL_DELIVERY="relayed")
    for n in range(1, 4):
        status, body, _ = post(base, "/users", {"name": f"Dup {n}", "email": f"dup{n}@example.com"})
        assert status == 201, body
    assert run_relay_until_done(lab, {}) == (0, 0)
    wait_for_mailers_queue(lab)
    first = welcome_recipients(lab.outbox)
    assert len(first) == 3
    queue = get_queue("mailers", lab.connection())
    job_ids = [row["job_id"] for row in outbox_rows(lab.env["DATABASE"])]
    for job_id in job_ids:  # as result_ttl would, once the job's hash expires
        queue.fetch_job(job_id).delete()
        assert queue.fetch_job(job_id) is None
    with db.connection(lab.env["DATABASE"]) as conn:
        conn.execute("UPDATE mail_outbox SET relayed_at = NULL")
    assert run_relay_until_done(lab, {}) == (0, 0)
    for job_id in job_ids:
        job = queue.fetch_job(job_id)
        assert job is not None, f"{job_id} was not enqueued again"
        wait_until(lambda j=job: j.get_status(refresh=True) == JobStatus.FINISHED, 60,
                   what=f"{job_id} finishing again")
        assert job.return_value()["status"] == "already-sent"
    assert welcome_recipients(lab.outbox) == first, "a user got a second welcome email"
    assert [r["attempts"] for r in outbox_rows(lab.env["DATABASE"])] == [2, 2, 2]


@pytest.mark.parametrize(("delivery", "expect_failures"), [("queued", True), ("relayed", False)])
def test_enqueueing_before_the_commit_lets_the_job_miss_its_user(lab, delivery,
                                                                 expect_failures):
    lab.worker(["mailers"], job_class=JOB_CLASS)  # with the scheduler: the retry comes back
    counted = race_run(lab, delivery, signups=3, hold=2.0, prefix=delivery)
    if expect_failures:
        assert counted.jobs_found_no_user > 0, "no job ran before its user was committed"
    else:
        assert counted.jobs_found_no_user == 0
    assert (counted.users, counted.emailed, counted.sent_twice) == (3, 3, 0)


# --- Redis down ---------------------------------------------------------------------------


@pytest.mark.slow
def test_the_relay_waits_out_a_redis_outage(env, tmp_path):
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    db.init_db(env["DATABASE"])

    def add_signup(email: str) -> int:
        with db.connection(env["DATABASE"]) as conn:
            return db.insert_user_with_mail(conn, email.split("@")[0], email)

    def relayed(user_id: int) -> bool:
        return any(r["user_id"] == user_id and r["relayed_at"]
                   for r in outbox_rows(env["DATABASE"]))

    def warnings() -> int:
        return relay.log().count("Redis is not taking the mail")

    first = add_signup("before@example.com")
    relay = start_process([sys.executable, "-m", "mailer_app.relay"], name="relay",
                          env={**env, "REDIS_URL": url}, log_dir=tmp_path / "logs")
    try:
        # Redis is not started yet: the relay says so and keeps waiting.
        wait_until(lambda: warnings() >= 1 or not relay.running(), 60,
                   what="the relay waiting for Redis")
        assert relay.running(), relay.log()
        assert not relayed(first)
        with redis_runner.redis_server(tmp_path / "redis-1", port=port) as server:
            wait_until(lambda: relayed(first), 60, what="the row relayed once Redis is up")
            assert server.client().exists(f"rq:job:welcome-{first}")
        # Redis goes away under a connected relay, and a signup comes in meanwhile.
        seen = warnings()
        second = add_signup("during@example.com")
        wait_until(lambda: warnings() > seen or not relay.running(), 60,
                   what="the relay noticing Redis is gone")
        assert relay.running(), relay.log()
        assert not relayed(second)
        with redis_runner.redis_server(tmp_path / "redis-2", port=port) as server:
            wait_until(lambda: relayed(second), 60, what="the row relayed once Redis is back")
            assert server.client().exists(f"rq:job:welcome-{second}")
        assert relay.running(), relay.log()
    finally:
        relay.stop()


# --- what Redis refuses, and rows that keep failing ---------------------------------------


def start_relay(env, tmp_path, **settings):
    return start_process([sys.executable, "-m", "mailer_app.relay"], name="relay",
                         env={**env, **settings}, log_dir=tmp_path / "logs")


def add_signup(env, email: str) -> int:
    with db.connection(env["DATABASE"]) as conn:
        return db.insert_user_with_mail(conn, email.split("@")[0], email)


def add_bad_row(env) -> int:
    """A waiting row no relay can ever enqueue (a kind nobody knows)."""
    user = add_signup(env, "bad@example.com")
    with db.connection(env["DATABASE"]) as conn:
        conn.execute("UPDATE mail_outbox SET kind = 'postcard' WHERE user_id = ?", (user,))
        return conn.execute("SELECT id FROM mail_outbox WHERE user_id = ?", (user,)).fetchone()[0]


def row(env, row_id: int) -> dict:
    return next(r for r in outbox_rows(env["DATABASE"]) if r["id"] == row_id)


def test_a_row_that_keeps_failing_backs_off_then_is_given_up_on(env, conn, client, monkeypatch):
    monkeypatch.setenv("RELAY_MAX_ATTEMPTS", "3")
    settings = load_settings()
    db.init_db(env["DATABASE"])
    bad = add_bad_row(env)
    good = add_signup(env, "good@example.com")
    assert relay.relay_once(settings, conn).failed == 1
    assert row(env, bad)["attempts"] == 1 and row(env, bad)["retry_at"] > db.utcnow()
    assert conn.exists(f"rq:job:welcome-{good}"), "the rows after a bad one still go"
    relay.relay_once(settings, conn)
    assert row(env, bad)["attempts"] == 1, "tried again before its wait was over"
    for _ in range(2):
        with db.connection(env["DATABASE"]) as sql:
            sql.execute("UPDATE mail_outbox SET retry_at = NULL WHERE id = ?", (bad,))
        relay.relay_once(settings, conn)
    assert row(env, bad)["attempts"] == 3 and row(env, bad)["dead_at"]
    relay.relay_once(settings, conn)
    assert row(env, bad)["attempts"] == 3, "a row given up on is not tried again"
    assert "Emails the relay gave up on: 1" in client.get("/status").get_data(as_text=True)


def test_an_older_database_gains_the_relays_new_columns(tmp_path):
    path = tmp_path / "old.sqlite"
    with db.connection(path) as conn:
        conn.execute("CREATE TABLE mail_outbox (id INTEGER PRIMARY KEY, user_id INTEGER, "
                     "kind TEXT, created_at TEXT, attempts INTEGER DEFAULT 0, "
                     "relayed_at TEXT, job_id TEXT, trace TEXT)")
    db.init_db(path)
    with db.connection(path) as conn:
        columns = {r["name"] for r in conn.execute("PRAGMA table_info(mail_outbox)")}
    assert {"retry_at", "dead_at"} <= columns


@pytest.mark.slow
def test_the_relay_never_spins_on_a_bad_row(env, redis_url, tmp_path):
    db.init_db(env["DATABASE"])
    bad = add_bad_row(env)
    relay_process = start_relay(env, tmp_path)
    try:
        wait_until(lambda: row(env, bad)["attempts"] >= 1, 60, what="the bad row tried")
        # Rows that come later still go, while the bad one waits longer after each try.
        for n in range(3):
            user = add_signup(env, f"later{n}@example.com")
            wait_until(lambda: any(r["user_id"] == user and r["relayed_at"]
                                   for r in outbox_rows(env["DATABASE"])), 60,
                       what="a later row relayed")
        assert relay_process.running(), relay_process.log()
        # At 1 s, 2 s, 4 s ... between tries; a loop that retried at once made thousands.
        assert row(env, bad)["attempts"] < 10, row(env, bad)
    finally:
        relay_process.stop()


def _full(client):
    client.config_set("maxmemory", "1")


def _read_only(client):
    client.execute_command("REPLICAOF", "127.0.0.1", str(free_port()))


def _no_rights(client):
    client.execute_command("ACL", "SETUSER", "relay", "on", ">pw", "~*", "+@connection",
                           "+@read", "-@write", "-@scripting")


REFUSALS = [
    ("OutOfMemoryError", _full, lambda c: c.config_set("maxmemory", "0")),
    ("ReadOnlyError", _read_only, lambda c: c.execute_command("REPLICAOF", "NO", "ONE")),
    ("NoPermissionError", _no_rights,
     lambda c: c.execute_command("ACL", "SETUSER", "relay", "+@all")),
]


@pytest.mark.slow
@pytest.mark.parametrize(("cause", "refuse", "heal"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_the_relay_waits_out_what_redis_refuses(env, tmp_path, cause, refuse, heal):
    """Out of memory (noeviction), READONLY after a failover, NOPERM: it waits and goes on."""
    db.init_db(env["DATABASE"])
    with redis_runner.redis_server(tmp_path / "redis") as server:
        admin = server.client()
        admin.execute_command("ACL", "SETUSER", "relay", "on", ">pw", "~*", "&*", "+@all")
        url = f"redis://relay:pw@127.0.0.1:{server.port}/0"
        refuse(admin)
        user = add_signup(env, "ada@example.com")
        relay_process = start_relay(env, tmp_path, REDIS_URL=url)
        try:
            wait_until(lambda: cause in relay_process.log() or not relay_process.running(), 60,
                       what=f"the relay meeting {cause}")
            assert relay_process.running(), relay_process.log()
            heal(admin)
            wait_until(lambda: "Redis takes the mail again" in relay_process.log(), 60,
                       what="the relay taking up again once Redis takes the mail")
            assert admin.exists(f"rq:job:welcome-{user}")
            assert relay_process.running(), relay_process.log()
            log = relay_process.log()
            assert log.count(f"Redis is not taking the mail ({cause}") == 1, log
        finally:
            relay_process.stop()
