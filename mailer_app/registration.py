"""A signup is all or nothing: what a valid one is, storing the user, and taking it back.

The signup controller (:func:`mailer_app.signup.register`) takes these steps in order:
validate the form, make sure Redis answers before anything is stored (when the email will be
queued), store the user, and send or enqueue the welcome email inside
:func:`undo_signup_on_failure`, which deletes the user and their jobs again if anything fails.
Every refusal is a :class:`SignupError` carrying the HTTP status and one sentence for the
person signing up.
"""

from __future__ import annotations

import contextlib
import json
import re
import sqlite3
import unicodedata
from collections.abc import Iterator
from typing import Any

import redis
from flask import current_app
from rq.job import Job

from mailer_app import db, tracing
from mailer_app.app_redis import redis_for_app
from mailer_app.queues import JobRefused
from mailer_app.redis_client import RedisMisconfigured, RedisUnavailable, how_to_start, redact

MAX_NAME = 100
MAX_EMAIL = 254  # RFC 5321's limit for a forward path
_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


class SignupError(Exception):
    """A refused signup: ``status`` is the HTTP status, ``field`` the field at fault."""

    def __init__(self, message: str, status: int = 400, field: str | None = None):
        super().__init__(message)
        self.message, self.status, self.field = message, status, field


def _has_control_characters(text: str) -> bool:
    # Cc covers CR, LF, NUL, TAB, ESC...; Zl/Zp are Unicode line/paragraph separators, which
    # some mail software also treats as line breaks (header injection by another name).
    return any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in text)


def validate_signup(data: Any) -> dict[str, str]:
    """Return the clean ``{"name", "email"}`` or raise :class:`SignupError` saying what is wrong."""
    if not isinstance(data, dict):
        raise SignupError("Send the signup as a form or a JSON object with name and email.")
    clean = {}
    for field, limit in (("name", MAX_NAME), ("email", MAX_EMAIL)):
        value = data.get(field)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise SignupError(f"Please enter your {field}.", field=field)
        if not isinstance(value, str):
            raise SignupError(f"The {field} must be text.", field=field)
        if _has_control_characters(value):
            raise SignupError(
                f"The {field} contains a line break or another control character.", field=field
            )
        value = value.strip()
        if len(value) > limit:
            raise SignupError(f"The {field} is too long (at most {limit} characters).", field=field)
        clean[field] = value
    if not _EMAIL.match(clean["email"]):
        raise SignupError("That does not look like an email address (name@example.com).",
                          field="email")
    clean["email"] = clean["email"].lower()
    return clean


class DeliveryBroken(RuntimeError):
    """The configured delivery function did not enqueue a job."""


#: What the person signing up reads when the signup cannot be taken: what to do next, and
#: nothing about the servers behind the app. Why goes to the app's log, for whoever runs it.
UNAVAILABLE = ("We cannot take signups right now, and nothing was stored: please try again in a "
               "few minutes.")


def unavailable(why: str) -> SignupError:
    """A 503 for the person; ``why`` (how to start Redis, what it refused) for the log."""
    current_app.logger.error("signup refused (503): %s", why)
    return SignupError(UNAVAILABLE, status=503)


def redis_or_503() -> redis.Redis:
    """The app's Redis, or a 503 (the log says how to start it) before anything is stored."""
    try:
        return redis_for_app()
    except (RedisUnavailable, RedisMisconfigured) as exc:
        raise unavailable(str(exc)) from None


def store_user(user: dict[str, str], kinds: tuple[str, ...] = (), commit_delay: float = 0) -> int:
    """Insert the user (with a ``mail_outbox`` row per email ``kinds``), or a 409 when taken."""
    try:
        if kinds:
            carrier = tracing.inject()  # so the relay can continue this request's trace
            return db.insert_user_with_mail(db.get_db(), user["name"], user["email"], kinds,
                                            commit_delay, json.dumps(carrier) if carrier else None)
        return db.insert_user(db.get_db(), user["name"], user["email"])
    except sqlite3.IntegrityError:
        raise SignupError("That email address is already signed up.", 409, "email") from None


@contextlib.contextmanager
def undo_signup_on_failure(user_id: int) -> Iterator[list[Job]]:
    """Delete the user and their jobs again if anything in the block fails (then a 503).

    Anything: an exception, or the process being stopped in the middle (which then goes on).

    Whatever fails (Redis down, full, read-only or refusing this user; a refused job; a bug in
    the function ``MAIL_DELIVERY`` names; the mail server), the signup is all or nothing.
    """
    enqueued: list[Job] = []
    try:
        yield enqueued
    except BaseException as exc:  # a KeyboardInterrupt or a server's SystemExit too
        current_app.logger.warning("signup refused, undoing it: %r", exc, exc_info=exc)
        db.get_db().execute("DELETE FROM users WHERE id = ?", (user_id,))
        for job in enqueued:
            # A welcome job whose follow-up failed must not go out to a user we do not keep.
            with contextlib.suppress(redis.RedisError):
                job.delete()
        if not isinstance(exc, Exception):
            raise  # undone, and the process goes on stopping
        raise unavailable(why_delivery_failed(exc)) from None


def why_delivery_failed(exc: Exception) -> str:
    """Say in a few words why the welcome email could be neither sent nor enqueued."""
    url = redact(current_app.config["REDIS_URL"])
    if isinstance(exc, (redis.ConnectionError, redis.TimeoutError)):
        return how_to_start(current_app.config["REDIS_URL"]).rstrip(".")
    if isinstance(exc, redis.OutOfMemoryError):
        return (f"Redis at {url} is out of memory (maxmemory) and refuses to store the "
                "welcome email's job")
    if isinstance(exc, redis.ReadOnlyError):
        return (f"Redis at {url} is a read-only replica and refuses to store the welcome "
                "email's job (REDIS_URL must name the primary)")
    if isinstance(exc, redis.exceptions.NoPermissionError):
        return (f"the Redis user in REDIS_URL ({url}) may not store the welcome email's job "
                f"(Redis said: {exc})")
    if isinstance(exc, redis.RedisError):
        return f"Redis refused to store the welcome email's job ({type(exc).__name__}: {exc})"
    if isinstance(exc, JobRefused):
        return f"the welcome email's job was refused ({exc})"
    if isinstance(exc, DeliveryBroken):
        return f"the mail delivery is unavailable ({exc})"
    if isinstance(exc, OSError):
        return f"the mail server is unavailable ({exc})"
    how = current_app.config["MAIL_DELIVERY"]
    return f"the mail delivery {how} failed ({type(exc).__name__}: {exc})"
