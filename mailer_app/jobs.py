"""The app's jobs: every job function the app's worker (``make worker``) runs.

The notebooks' small demo jobs (``add``, ``sleep_for``, ...) are not here but in
``workbook/demo_jobs.py``, which only the workbook's own workers admit.

Only functions marked ``@job_function`` are jobs (see :mod:`mailer_app.registry`): a job
planted in Redis that names anything else here, ``send_user_mail`` included, is refused.
Job functions take plain JSON data (ids, strings, numbers) and build what they need inside
the job from the environment (see :mod:`mailer_app.config`). No argument chooses a file, a
database, a mail server or a URL scheme: whoever can write to Redis could choose it too.
Nothing here opens a connection or creates an app at import time, because a forking worker
imports this module once and then runs each job in a fresh child. That child is a copy of the
parent, so it runs this module as the parent imported it: after an edit, restart the workers
(notebook 08 shows it).
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import urllib.request
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from rq import get_current_job

from mailer_app import db, mail, ratelimit
from mailer_app.config import import_object, load_settings
from mailer_app.redis_client import shared_client
from mailer_app.registry import job_function

log = logging.getLogger(__name__)


class UserNotFound(LookupError):
    """The job's user does not exist (deleted, or the id is wrong): retrying will not help."""


MARKS = {"welcome": "welcome_sent_at", "followup": "followup_sent_at"}


def send_user_mail(user_id: int, kind: str, settings: dict[str, Any]) -> dict[str, Any]:
    """Send the ``kind`` email to ``user_id`` unless its durable "sent" mark is already set.

    Not a job (its ``settings`` name the database and the mail server): the app calls it for
    inline delivery with its own config, and the jobs below with the worker's environment.
    """
    mark_column = MARKS[kind]
    with db.connection(settings["DATABASE"]) as conn:
        user = db.get_user(conn, int(user_id))
        if user is None:
            raise UserNotFound(f"No user with id {user_id}")
        if user[mark_column]:
            # Idempotency: a duplicate enqueue or a retry after a successful send stops here.
            return {"user_id": user["id"], "status": "already-sent", "sent_at": user[mark_column]}
        job = get_current_job()
        msg = mail.build_message(
            kind, user["email"], settings["MAIL_FROM"], name=user["name"],
            email=user["email"], queued=job is not None,
        )
        if float(settings["MAIL_RATE_LIMIT"]) > 0:
            # One limit for every worker together, kept in Redis (mailer_app/ratelimit.py).
            ratelimit.wait_for_slot(job.connection if job else shared_client(settings["REDIS_URL"]),
                                    float(settings["MAIL_RATE_LIMIT"]),
                                    import_object(settings["MAIL_RATE_LIMITER"]))
        where = mail.deliver(msg, settings)
        sent = {"user_id": user["id"], "status": "sent", "to": user["email"], "where": where}
        # The one remaining window: a crash between deliver() and this UPDATE sends twice.
        try:
            conn.execute(
                f"UPDATE users SET {mark_column} = ? WHERE id = ? AND {mark_column} IS NULL",
                (db.utcnow(), user["id"]),
            )
        except sqlite3.Error as exc:
            # Sent is sent: failing now would undo a signup whose email went out, or retry it.
            log.warning("the %s email to user %s was sent, but could not be marked sent (%s)",
                        kind, user["id"], exc)
            return {**sent, "marked": False}
        return sent


@job_function
def send_welcome_email(user_id: int) -> dict[str, Any]:
    """Send the welcome email to user ``user_id`` once, however often the job runs."""
    return send_user_mail(user_id, "welcome", load_settings())


@job_function
def send_followup_email(user_id: int) -> dict[str, Any]:
    """Send the "how is it going?" email some time after signup, once."""
    return send_user_mail(user_id, "followup", load_settings())


@job_function
def send_daily_digest() -> dict[str, Any]:
    """Email the team a list of the last 24 hours' signups (a recurring job)."""
    settings = load_settings()
    since = (datetime.now(UTC) - timedelta(days=1)).isoformat(timespec="milliseconds")
    with db.connection(settings["DATABASE"]) as conn:
        users = conn.execute(
            "SELECT name, email FROM users WHERE created_at >= ? ORDER BY id", (since,)
        ).fetchall()
    day = datetime.now(UTC).date().isoformat()
    msg = mail.build_message("digest", settings["DIGEST_TO"], settings["MAIL_FROM"],
                             day=day, users=[dict(u) for u in users])
    mail.deliver(msg, {**settings, "MAIL_DELAY_SECONDS": 0})
    return {"day": day, "signups": len(users)}


class RefusedURL(ValueError):
    """A scrape was asked for a URL outside the configured host (``SCRAPE_URL``)."""


def allowed_scrape_url(url: str | None, configured: str) -> str:
    """``url`` (or ``configured``) if it has ``configured``'s scheme, host and port.

    The URL is a job argument, so anyone who can write to Redis chooses it: ``file://`` would
    read the worker's files, another host or port would make the worker a proxy into the
    network (a database's port on the same machine, a cloud's metadata address).
    """
    url = url or configured
    parts, allowed = urlsplit(url), urlsplit(configured)
    if (parts.scheme not in DEFAULT_PORTS or parts.scheme != allowed.scheme
            or parts.hostname != allowed.hostname or _port(parts) != _port(allowed)
            or parts.username or parts.password):
        raise RefusedURL(f"Refusing to fetch {url!r}: only {allowed.scheme}://{allowed.netloc} "
                         "(SCRAPE_URL's scheme, host and port) is scraped.")
    return url


DEFAULT_PORTS = {"http": 80, "https": 443}


def _port(parts) -> int:
    return parts.port or DEFAULT_PORTS.get(parts.scheme, 0)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an error: following it would fetch a URL nobody checked."""

    def redirect_request(self, *args, **kwargs):
        return None


_FETCH = urllib.request.build_opener(_NoRedirects)


@job_function
def scrape_status_page(url: str | None = None) -> dict[str, Any]:
    """Fetch a page (the app's own /status: there is no internet) and store it if it changed.

    ``url`` must be on ``SCRAPE_URL``'s host and port, over http(s).
    """
    settings = load_settings()
    url = allowed_scrape_url(url, settings["SCRAPE_URL"])
    with _FETCH.open(url, timeout=10) as response:
        body = response.read().decode("utf-8", errors="replace")
    digest = hashlib.sha256(body.encode()).hexdigest()
    with db.connection(settings["DATABASE"]) as conn:
        last = conn.execute(
            "SELECT sha256 FROM page_snapshots WHERE url = ? ORDER BY id DESC LIMIT 1", (url,)
        ).fetchone()
        changed = last is None or last["sha256"] != digest
        conn.execute(
            "INSERT INTO page_snapshots (url, fetched_at, sha256, changed, body) "
            "VALUES (?, ?, ?, ?, ?)",
            (url, db.utcnow(), digest, int(changed), body),
        )
    return {"url": url, "changed": changed, "sha256": digest[:12]}
