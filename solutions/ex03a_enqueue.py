"""Exercise 03a: the tutorial's two edits, by your hand: the job, and the enqueue.

The tutorial turns the slow signup around with two edits: a worker class whose
``perform(user_id)`` finds the user and sends the welcome email, and, in the request handler,
``perform_async(@user.id)`` instead of sending. Write both here. The real app runs them:
notebook 03 starts it with ``MAIL_DELIVERY=ex03a_enqueue:enqueue_welcome``, signs someone up,
and the ``rq worker`` you started in a terminal runs your job. That worker runs registered
jobs only: ``send_welcome`` carries ``@job_function`` as the app's jobs in ``mailer_app/jobs.py``
do, and the worker's ``JOB_MODULES=ex03a_enqueue`` names this module (``mailer_app/registry.py``).

``send_welcome(user_id)`` is the job. Once it has run:

- the user with that id has the app's welcome email, and the database records it as sent
  (their ``welcome_sent_at``), as when the app sends it itself (``mailer_app/jobs.py``);
- running it again for the same user sends nothing more: a retried or repeated job still
  sends one email;
- for an id that belongs to no user it raises ``mailer_app.jobs.UserNotFound``.

``enqueue_welcome(user_id, connection)`` is the request handler's change. Once it returns:

- one job waits on the ``mailers`` queue in ``connection``'s Redis (your worker listens there);
  a worker will call *your* ``send_welcome`` with the user's id as its only argument;
- the job's id is ``welcome-<user_id>``;
- the job is stored as JSON (RQ's JSON serializer, which the workers here read) and was made
  by the workbook's allowlisting job class, like every job of this project;
- the job is what ``enqueue_welcome`` returns.

A second call for the same user enqueues nothing: it raises RQ's ``DuplicateJobError``, and the
app then refuses that signup rather than queue a second welcome email.

Hint (the idea): a job is a function's import path plus JSON arguments; the worker imports
the function and calls it later, so the job gets only the user's id and looks everything else
up itself. The app already knows how to send one user one kind of email once; find where.
Notebook 03, "Sign up, with no worker running yet", shows what such a job looks like inside
Redis. Stuck? ``hint("03a")`` or ``make hint EX=03a``.
"""

from __future__ import annotations

from typing import Any

import redis
from rq.job import Job

from mailer_app.registry import job_function


@job_function
def send_welcome(user_id: int) -> dict[str, Any]:
    """Send user ``user_id`` the welcome email once, however often this job runs."""
    ### HINT: mailer_app.jobs.send_user_mail(user_id, kind, settings) sends one kind of email
    ### HINT: ("welcome", "followup") once and records it; mailer_app.config.load_settings()
    ### HINT: reads the settings (database, outbox, mail delay) from the worker's environment.
    ### BEGIN SOLUTION
    # Imported here, not at the top, so that the stub you started from names no answer.
    from mailer_app.config import load_settings  # noqa: PLC0415
    from mailer_app.jobs import send_user_mail  # noqa: PLC0415

    return send_user_mail(user_id, "welcome", load_settings())
    ### END SOLUTION


def enqueue_welcome(user_id: int, connection: redis.Redis) -> Job:
    """Put ``send_welcome(user_id)`` on mailers as welcome-<user_id>, once; return the job."""
    ### HINT: mailer_app.queues.get_queue(name, connection) builds a queue with the JSON
    ### HINT: serializer and the allowlisting job class. Its enqueue takes the function object,
    ### HINT: then the function's arguments, then job_id= and unique= (see RQ's docs).
    ### BEGIN SOLUTION
    from mailer_app.queues import get_queue  # noqa: PLC0415

    return get_queue("mailers", connection).enqueue(
        send_welcome, user_id, job_id=f"welcome-{user_id}", unique=True
    )
    ### END SOLUTION
