"""How the app hands mail to RQ: which queue, which job id, which retry policy.

``MAIL_DELIVERY=queued`` sends signups through here; notebooks call the same functions.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import redis
from rq import Queue, Retry
from rq.job import Job

from mailer_app import db, jobs
from mailer_app.config import import_object, load_settings, retry_intervals
from mailer_app.queues import get_queue

#: Sidekiq retries 25 times over three weeks; a welcome email that is three weeks late is
#: worse than none, so: three more tries, 10 s, 1 min and 5 min after a failure
#: (``MAIL_RETRY_INTERVALS``; notebook 10 shortens them to fit a storm into a cell).
WELCOME_RETRY = Retry(max=3, interval=[10, 60, 300])


def mail_retry() -> Retry:
    """The retry policy of mail jobs: one more try after each of ``MAIL_RETRY_INTERVALS``."""
    intervals = retry_intervals(load_settings())
    return Retry(max=len(intervals), interval=intervals)
MAIL_QUEUE = "mailers"
log = logging.getLogger(__name__)


def resolve(how: str) -> Callable[[int, redis.Redis], Job]:
    """The function that enqueues the welcome email for ``MAIL_DELIVERY=how``.

    ``queued`` is :func:`enqueue_welcome_email`; anything else is an import path such as
    ``ex03a_enqueue:enqueue_welcome``, a function taking ``(user_id, connection)`` and
    returning the job it enqueued. That is how a student's own code runs in the real app.
    """
    if how == "queued":
        return enqueue_welcome_email
    return import_object(how)


def welcome_job_id(user_id: int) -> str:
    """One job id per user, so a second enqueue for the same user is refused by RQ."""
    return f"welcome-{int(user_id)}"


def followup_job_id(user_id: int) -> str:
    return f"followup-{int(user_id)}"


def enqueue_welcome_email(user_id: int, connection: redis.Redis, **options: Any) -> Job:
    """Put ``send_welcome_email(user_id)`` on the mailers queue, once per user."""
    options.setdefault("retry", mail_retry())
    queue = get_queue(MAIL_QUEUE, connection)
    drop_older_than_user(queue, welcome_job_id(user_id), user_id)
    return queue.enqueue(
        jobs.send_welcome_email, user_id, job_id=welcome_job_id(user_id), unique=True,
        description=f"welcome email for user {int(user_id)}", **options,
    )


def drop_older_than_user(queue: Queue, job_id: str, user_id: int) -> None:
    """Delete the job ``job_id`` if it was made before user ``user_id`` existed.

    Such a job belongs to another person: a new database file numbers its users from 1 again,
    while Redis keeps the old file's jobs (a failed one for a year), and RQ would refuse this
    user's welcome as a duplicate. A job made after the user (a relay that died after its
    enqueue) is theirs, and stays.
    """
    job, database = queue.fetch_job(job_id), load_settings()["DATABASE"]
    if job is None or job.created_at is None or not Path(database).exists():
        return
    with db.connection(database) as conn:
        user = db.get_user(conn, user_id)
    made = job.created_at if job.created_at.tzinfo else job.created_at.replace(tzinfo=UTC)
    if user is not None and made < datetime.fromisoformat(user["created_at"]):
        log.warning("deleting job %s: made before user %s existed (an earlier database's)",
                    job_id, user_id)
        job.delete()


def schedule_followup_email(user_id: int, connection: redis.Redis, delay_seconds: float) -> Job:
    """Schedule the follow-up email ``delay_seconds`` after now (needs a worker with -s)."""
    return get_queue(MAIL_QUEUE, connection).enqueue_in(
        timedelta(seconds=delay_seconds), jobs.send_followup_email, user_id,
        job_id=followup_job_id(user_id), retry=mail_retry(),
        description=f"follow-up email for user {int(user_id)}",
    )


def schedule_followup_email_at(user_id: int, connection: redis.Redis, when: datetime) -> Job:
    """Schedule the follow-up email at ``when`` (timezone-aware; a naive time is refused)."""
    if when.tzinfo is None:
        raise ValueError("Give enqueue_at a timezone-aware datetime (RQ reads naive ones as "
                         "local time): datetime.now(UTC) + timedelta(...)")
    return get_queue(MAIL_QUEUE, connection).enqueue_at(
        when, jobs.send_followup_email, user_id, job_id=followup_job_id(user_id),
        retry=mail_retry(), description=f"follow-up email for user {int(user_id)}",
    )
