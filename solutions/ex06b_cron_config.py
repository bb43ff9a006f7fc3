"""Exercise 06b: a cron configuration for ``rq cron``.

This module *is* a config file: ``rq cron ex06b_cron_config`` imports it, and every
``register(...)`` call at import time adds a recurring job. Register, inside
``register_jobs()``:

1. ``mailer_app.jobs.scrape_status_page`` every 30 seconds on the ``low`` queue, named
   ``"scrape"``;
2. ``mailer_app.jobs.send_daily_digest`` at 08:30 on weekdays (Monday to Friday) on the
   ``default`` queue, named ``"weekday-digest"``.

Hint: ``register(func, queue_name=..., interval=...)`` and
``register(func, queue_name=..., cron="m h dom mon dow")``; weekdays are ``1-5``.
"""

from __future__ import annotations

from rq.cron import register

from mailer_app import jobs


def register_jobs() -> None:
    """Register the two recurring jobs."""
    ### HINT: two register(...) calls, each with name=...
    ### BEGIN SOLUTION
    register(jobs.scrape_status_page, queue_name="low", interval=30, name="scrape")
    register(jobs.send_daily_digest, queue_name="default", cron="30 8 * * 1-5",
             name="weekday-digest")
    ### END SOLUTION


register_jobs()
