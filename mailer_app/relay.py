"""The relay: moves the mail that signups wrote into ``mail_outbox`` onto RQ's queues.

With ``MAIL_DELIVERY=relayed`` a signup writes its user and its mail in one SQLite
transaction and never touches Redis (the transactional outbox). This process then enqueues
each waiting row's job, and only after that marks the row relayed. Run it beside the web app
and the workers, one per database::

    python -m mailer_app.relay        (make relay)

**Why a loop of its own, and not ``rq cron``.** A relay run by ``rq cron`` would be a job: it
would wait on a queue behind the very mail it hands over, a stalled or busy worker would stall
it, and ``rq cron`` (beta in RQ 3.0) runs a job at most once a minute by crontab or on an
interval of whole seconds. This loop looks every ``RELAY_INTERVAL_SECONDS`` (0.5 s), needs no
worker, and when Redis fails it waits and tries again, less often each time (:func:`run`),
while signups go on being accepted. A row that fails for another reason waits on its own, and
is given up on after ``RELAY_MAX_ATTEMPTS`` tries (:func:`relay_once`).

**At least once.** A relay that dies after the enqueue and before the mark relays the row
again when it restarts. The second job is absorbed twice over: RQ refuses it while the first
is still in Redis (the job id ``welcome-<user>`` with ``unique=True``), and if the first has
already gone, the job stops at the user's ``welcome_sent_at`` mark (``mailer_app/jobs.py``).
"""

from __future__ import annotations

import json
import logging
import random
import sqlite3
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import redis
from rq.exceptions import DuplicateJobError

from mailer_app import db, delivery, faults, tracing
from mailer_app.config import load_settings
from mailer_app.redis_client import RedisMisconfigured, RedisUnavailable, connect, redact

log = logging.getLogger("mailer_app.relay")


@dataclass
class Relayed:
    """What one pass of the relay did."""

    enqueued: int = 0
    duplicates: int = 0  # rows whose job RQ refused because it was already there
    failed: int = 0  # rows that could not be relayed for another reason than Redis

    @property
    def rows(self) -> int:
        return self.enqueued + self.duplicates


#: The job id each kind of row's job gets (RQ refuses a second job with a welcome's id).
JOB_IDS = {"welcome": delivery.welcome_job_id, "followup": delivery.followup_job_id}


def enqueue_row(row: Any, connection: redis.Redis, settings: dict[str, Any]) -> str:
    """Enqueue the job of one ``mail_outbox`` row; return its job id."""
    if row["kind"] == "welcome":
        return delivery.enqueue_welcome_email(row["user_id"], connection).id
    if row["kind"] == "followup":
        when = (datetime.fromisoformat(row["created_at"])
                + timedelta(seconds=float(settings["FOLLOWUP_DELAY_SECONDS"])))
        return delivery.schedule_followup_email_at(row["user_id"], connection, when).id
    raise ValueError(f"mail_outbox row {row['id']} has an unknown kind {row['kind']!r}")


def relay_row(conn: sqlite3.Connection, row: Any, connection: redis.Redis,
              settings: dict[str, Any]) -> bool:
    """Enqueue one row's job, then mark the row relayed; False if RQ already had the job."""
    # Counted before the enqueue, so a relay that dies after it leaves a trace.
    conn.execute("UPDATE mail_outbox SET attempts = attempts + 1 WHERE id = ?", (row["id"],))
    try:
        with tracing.continued(json.loads(row["trace"] or "{}"), f"relay {row['kind']}"):
            job_id, fresh = enqueue_row(row, connection, settings), True
    except DuplicateJobError:  # a relay died after this enqueue, before its mark
        job_id, fresh = JOB_IDS[row["kind"]](row["user_id"]), False
        log.info("row %s: RQ already has job %s; not enqueued twice", row["id"], job_id)
    except redis.RedisError:
        # Refused or unanswered: most likely nothing was enqueued, so the try does not count
        # (if it was, the next try is refused as a duplicate and marks the row).
        conn.execute("UPDATE mail_outbox SET attempts = attempts - 1 WHERE id = ?", (row["id"],))
        raise
    if fresh and row["attempts"] == 0:  # armed, it dies after each row's first enqueue
        faults.crash_here(settings, "RELAY_FAULT", "crash-after-enqueue")
    conn.execute("UPDATE mail_outbox SET relayed_at = ?, job_id = ? WHERE id = ?",
                 (db.utcnow(), job_id, row["id"]))
    return fresh


def relay_once(settings: dict[str, Any], connection: redis.Redis, limit: int = 100) -> Relayed:
    """Relay up to ``limit`` waiting rows, oldest first (see :func:`relay_row`).

    Redis errors end the pass (the rows wait for the next). A row that fails otherwise (an
    unknown kind, a refused job) is logged and waits, doubling its wait after each failed try
    (:func:`backoff`), and after ``RELAY_MAX_ATTEMPTS`` tries it is given up on (``dead_at``,
    counted on ``/status``). The rows after it still go.
    """
    done = Relayed()
    with db.connection(settings["DATABASE"]) as conn:
        rows = conn.execute(
            "SELECT id, user_id, kind, created_at, trace, attempts FROM mail_outbox "
            "WHERE relayed_at IS NULL AND dead_at IS NULL AND "
            "(retry_at IS NULL OR retry_at <= ?) ORDER BY id LIMIT ?",
            (db.utcnow(), limit)).fetchall()
        for row in rows:
            try:
                fresh = relay_row(conn, row, connection, settings)
            except redis.RedisError:
                raise
            except Exception as exc:
                _wait_or_give_up(conn, row, exc, int(settings["RELAY_MAX_ATTEMPTS"]))
                done.failed += 1
                continue
            done.enqueued += fresh
            done.duplicates += not fresh
    return done


def backoff(tries: int, base: float = 1.0, cap: float = 300.0) -> float:
    """Seconds to wait after the ``tries``-th failure in a row: doubling, capped, jittered.

    The jitter (half to one and a half times) keeps many failing rows, or many relays
    after one Redis outage, from trying again all in the same instant.
    """
    return min(cap, base * 2 ** (tries - 1)) * random.uniform(0.5, 1.5)


def _wait_or_give_up(conn: sqlite3.Connection, row: Any, exc: Exception, most: int) -> None:
    tries = row["attempts"] + 1  # relay_row counted this try
    if tries >= most:
        conn.execute("UPDATE mail_outbox SET dead_at = ? WHERE id = ?", (db.utcnow(), row["id"]))
        log.error("mail_outbox row %s failed %d times (%r): given up on, see /status",
                  row["id"], tries, exc)
        return
    wait = backoff(tries)
    retry_at = datetime.now(UTC) + timedelta(seconds=wait)
    conn.execute("UPDATE mail_outbox SET retry_at = ? WHERE id = ?",
                 (retry_at.isoformat(timespec="milliseconds"), row["id"]))
    log.warning("mail_outbox row %s could not be relayed (%r): try %d of %d in %.0f s",
                row["id"], exc, tries + 1, most, wait, exc_info=tries == 1)


def waiting(settings: dict[str, Any]) -> int:
    """Rows the relay has not moved yet."""
    with db.connection(settings["DATABASE"]) as conn:
        return conn.execute(
            "SELECT COUNT(*) FROM mail_outbox WHERE relayed_at IS NULL").fetchone()[0]


def run(settings: dict[str, Any]) -> None:
    """Relay forever: a pass, then a short sleep unless more rows are waiting.

    When Redis fails, whatever the cause (down, still LOADING its data, out of memory under
    ``noeviction``, READONLY after a failover, a user without the rights), the mail waits in
    ``mail_outbox`` and so does the relay: 1 s, 2 s, 4 s ... at most 10 s, with jitter. It logs
    each new cause once, and once more when Redis takes its mail again.
    """
    db.init_db(settings["DATABASE"])
    connection, failures, cause = None, 0, None
    while True:
        try:
            connection = connection or connect(settings["REDIS_URL"])
            done = relay_once(settings, connection)
        except (RedisUnavailable, RedisMisconfigured, redis.RedisError) as exc:
            failures += 1
            if type(exc).__name__ != cause:
                cause = type(exc).__name__
                log.warning("Redis is not taking the mail (%s: %s): it waits in mail_outbox; "
                            "trying again, less often each time", cause, exc)
            connection = None
            time.sleep(backoff(failures, cap=10))
            continue
        if cause:
            log.info("Redis takes the mail again, after %d failed tries", failures)
        failures, cause = 0, None
        if done.rows:
            log.info("relayed %d row(s): %d enqueued, %d already queued",
                     done.rows, done.enqueued, done.duplicates)
        if done.rows + done.failed < 100:  # a full pass: more rows may be waiting at once
            time.sleep(float(settings["RELAY_INTERVAL_SECONDS"]))


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s relay %(message)s")
    settings = load_settings()
    tracing.setup(settings, "relay")
    log.info("relaying %s to %s every %ss", settings["DATABASE"],
             redact(settings["REDIS_URL"]), settings["RELAY_INTERVAL_SECONDS"])
    try:
        run(settings)
    except KeyboardInterrupt:
        log.info("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
