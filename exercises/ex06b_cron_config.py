# Generated from solutions/ex06b_cron_config.py by tools/make_exercises.py: edit the solution, then
# run `make exercises`. Your work goes where NotImplementedError is raised.
"""Exercise 06b: a cron configuration for ``rq cron``.

This module *is* a config file: ``rq cron ex06b_cron_config`` imports it, and every
``register(...)`` call at import time adds a recurring job. Register, inside
``register_jobs()``:

1. ``mailer_app.jobs.scrape_status_page`` every 30 seconds on the ``low`` queue, named
   ``"scrape"``;
2. ``mailer_app.jobs.send_daily_digest`` at 08:30 on weekdays (Monday to Friday) on the
   ``default`` queue, named ``"weekday-digest"``.

Hint (the idea): ``rq cron`` imports this module, and each registration names the function,
the queue, and either an interval in seconds or a cron string (minute, hour, day of month,
month, day of week). Notebook 06, "Recurring jobs with ``rq cron``". Stuck? ``hint("06b")``
or ``make hint EX=06b``.
"""

from __future__ import annotations

from rq.cron import register

from mailer_app import jobs


def register_jobs() -> None:
    """Register the two recurring jobs."""
    raise NotImplementedError("Exercise 06b, register_jobs: not started. Read the docstring, then hint('06b') if you need the API.")


register_jobs()
