"""Backpressure: when the mail already waiting makes a new welcome email late, say so.

With a send-rate limit (``MAIL_RATE_LIMIT`` per second, shared by every worker), the mail
waiting ahead of a new signup takes ``waiting / rate`` seconds to go out. Beyond
``MAIL_LATE_AFTER_SECONDS`` the signup's answer says how late its email will be. The mail is
still sent: shedding it would drop what the person just asked for, and a welcome email is
the lowest-volume mail this app has. (An app with newsletters would shed those first: they
belong on the ``low`` queue, which a busy worker reaches last anyway.)
"""

from __future__ import annotations

import contextlib
import math
from typing import Any

import redis

from mailer_app import db
from mailer_app.app_redis import redis_for_app
from mailer_app.queues import get_queue
from mailer_app.redis_client import RedisMisconfigured, RedisUnavailable

MAIL_QUEUE = "mailers"  # delivery.MAIL_QUEUE, repeated: delivery imports the jobs, this may not


def mail_waiting(config: dict[str, Any], queue_conn: redis.Redis | None,
                 outbox_waiting: bool = False) -> int:
    """Emails waiting to be sent: jobs on the mailers queue, plus rows the relay has not moved."""
    waiting = 0
    if outbox_waiting:
        with db.connection(config["DATABASE"]) as conn:
            waiting += conn.execute(
                "SELECT COUNT(*) FROM mail_outbox WHERE relayed_at IS NULL").fetchone()[0]
        with contextlib.suppress(RedisUnavailable, RedisMisconfigured, redis.RedisError):
            queue_conn = queue_conn or redis_for_app()
    if queue_conn is not None:
        with contextlib.suppress(redis.RedisError):
            waiting += get_queue(MAIL_QUEUE, queue_conn).count
    return waiting


def notice(config: dict[str, Any], queue_conn: redis.Redis | None = None,
           outbox_waiting: bool = False) -> dict[str, Any]:
    """``{}``, or the expected delay and a sentence for the person when mail will be late."""
    rate = float(config["MAIL_RATE_LIMIT"])
    if rate <= 0:
        return {}
    seconds = mail_waiting(config, queue_conn, outbox_waiting) / rate
    if seconds <= float(config["MAIL_LATE_AFTER_SECONDS"]):
        return {}
    minutes = max(1, math.ceil(seconds / 60))
    return {"mail_expected_in_seconds": round(seconds),
            "notice": ("Many people are signing up right now: your welcome email should "
                       f"arrive within about {minutes} minute{'s' if minutes > 1 else ''}.")}
