"""Every job function the workers run. Notebooks import these; they never define jobs.

Only functions marked ``@job_function`` are jobs (see :mod:`mailer_app.registry`): a job
planted in Redis that names anything else here, ``send_user_mail`` included, is refused.
Job functions take plain JSON data (ids, strings, numbers) and build what they need inside
the job from the environment (see :mod:`mailer_app.config`). No argument chooses a file, a
database, a mail server or a URL scheme: whoever can write to Redis could choose it too.
Nothing here opens a connection
or creates an app at import time, because a forking worker imports this module once and then
runs each job in a fresh child. That child is a copy of the parent, so it runs this module as
the parent imported it: after an edit, restart the workers (notebook 07 shows it).
"""

from __future__ import annotations

import hashlib
import re
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from rq import get_current_job

from mailer_app import db, mail
from mailer_app.config import load_settings
from mailer_app.registry import job_function


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
        where = mail.deliver(msg, settings)
        # The one remaining window: a crash between deliver() and this UPDATE sends twice.
        conn.execute(
            f"UPDATE users SET {mark_column} = ? WHERE id = ? AND {mark_column} IS NULL",
            (db.utcnow(), user["id"]),
        )
        return {"user_id": user["id"], "status": "sent", "to": user["email"], "where": where}


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
    """``url`` (or ``configured``) if it is http(s) on ``configured``'s host.

    The URL is a job argument, so anyone who can write to Redis chooses it: ``file://`` would
    read the worker's files, another host would make the worker a proxy into the network.
    The port is not pinned: the notebooks serve the app on a free port chosen after the worker
    started. In production, pin it too (compare ``parts.port`` as well).
    """
    url = url or configured
    parts, allowed = urlsplit(url), urlsplit(configured)
    if (parts.scheme not in ("http", "https") or parts.hostname != allowed.hostname
            or parts.username or parts.password):
        raise RefusedURL(f"Refusing to fetch {url!r}: only http(s) URLs on "
                         f"{allowed.hostname} (SCRAPE_URL's host) are scraped.")
    return url


@job_function
def scrape_status_page(url: str | None = None) -> dict[str, Any]:
    """Fetch a page (the app's own /status: there is no internet) and store it if it changed.

    ``url`` must be on ``SCRAPE_URL``'s host and port, over http(s).
    """
    settings = load_settings()
    url = allowed_scrape_url(url, settings["SCRAPE_URL"])
    with urllib.request.urlopen(url, timeout=10) as response:
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


@job_function
def send_welcome_then_fail_once(user_id: int, attempts_key: str, idempotent: bool = True) -> str:
    """Send the welcome email, then fail the first attempt, as a later step (a CRM call) might.

    With ``idempotent=False`` the email goes out without checking or setting the durable
    mark, as a naive job would: every retry sends it again. Notebook 07 runs both.
    """
    settings = load_settings()
    if idempotent:
        send_user_mail(user_id, "welcome", settings)
    else:
        with db.connection(settings["DATABASE"]) as conn:
            user = db.get_user(conn, int(user_id))
        mail.deliver(mail.build_message("welcome", user["email"], settings["MAIL_FROM"],
                                        name=user["name"], email=user["email"], queued=True),
                     settings)
    attempt = get_current_job().connection.incr(attempts_key)
    if attempt == 1:
        raise TimeoutError("the CRM call after the email timed out")
    return f"attempt {attempt} done"


# --- small jobs for the notebooks, tests and benchmarks ----------------------------------

@job_function
def add(a: float, b: float) -> float:
    """Return ``a + b`` (the smallest job that returns something)."""
    return a + b


@job_function
def noop() -> None:
    """Do nothing: measures what the queue itself costs."""


@job_function
def sleep_for(seconds: float) -> float:
    """Sleep (an I/O-bound job: a slow mail server, an HTTP call) and return the seconds."""
    time.sleep(float(seconds))
    return float(seconds)


@job_function
def record(list_key: str, tag: str) -> str:
    """Append ``tag`` to the Redis list ``list_key``: shows the order jobs ran in."""
    job = get_current_job()
    job.connection.rpush(list_key, tag)
    return tag


#: A trace file's name: letters, digits, ``.``, ``_``, ``-``; no folder, no leading dot.
TRACE_NAME = re.compile(r"^\w[\w.-]*$")


@job_function
def note_run(trace: str, tag: str) -> str:
    """Append ``tag`` to the file ``trace`` in ``TRACE_DIR``: a record that outlives Redis.

    ``trace`` is a file name, never a path: the folder comes from the worker's environment,
    so a job planted in Redis cannot write anywhere else (a ``.pth`` file in site-packages
    would run code at the next interpreter start).
    """
    if not TRACE_NAME.match(trace):
        raise ValueError(f"Refusing to write {trace!r}: a trace is a plain file name "
                         "(letters, digits, ., _, -) in TRACE_DIR.")
    folder = Path(load_settings()["TRACE_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    # One short write with O_APPEND: lines from concurrent workers never interleave.
    with open(folder / trace, "a", encoding="utf-8") as lines:
        lines.write(tag + "\n")
    return tag


@job_function
def fail(message: str = "the mail server said no") -> None:
    """Always raise: the job ends in the failed registry with this traceback."""
    raise RuntimeError(message)


@job_function
def flaky(counter_key: str, failures: int) -> int:
    """Fail the first ``failures`` attempts, then succeed; counts attempts in Redis."""
    attempt = get_current_job().connection.incr(counter_key)
    if attempt <= failures:
        raise ConnectionError(f"attempt {attempt}: the mail server timed out")
    return attempt


@job_function
def record_time(list_key: str) -> float:
    """Append the time (epoch seconds) this job started to ``list_key``: measures lateness."""
    now = time.time()
    get_current_job().connection.rpush(list_key, repr(now))
    return now
