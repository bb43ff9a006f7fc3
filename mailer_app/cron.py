"""Recurring jobs, for ``rq cron mailer_app.cron`` (``make cron``): RQ's answer to Sidetiq.

Ruby readers: the seed tutorial used Sidetiq (``recurrence { hourly }``); RQ 3 ships the same
idea as ``rq cron``, one long-running process that enqueues registered jobs on an interval or a
cron string. Run exactly one: two ``rq cron`` processes enqueue every job twice.

Settings (environment): ``SCRAPE_URL`` (the page to watch), ``SCRAPE_INTERVAL_SECONDS``
(default 60) and ``DIGEST_CRON`` (default ``"0 8 * * *"``, 08:00 every day, in the machine's
local time, as RQ 3 reads cron strings).
"""

from __future__ import annotations

import functools

import rq.cron
from rq import Queue
from rq.cron import register
from rq.serializers import JSONSerializer

from mailer_app.config import load_settings
from mailer_app.jobs import scrape_status_page, send_daily_digest
from mailer_app.queues import AllowlistJob

# RQ 3.0's CronJob.enqueue builds `Queue(name, connection=...)` and ignores `rq cron
# --serializer`, so its jobs would be pickled and the workbook's JSON workers would refuse
# them. Until RQ passes the serializer through, the cron process builds JSON queues here.
rq.cron.Queue = functools.partial(Queue, serializer=JSONSerializer, job_class=AllowlistJob)

_settings = load_settings()

register(
    scrape_status_page,
    queue_name="low",
    args=[_settings["SCRAPE_URL"]],
    interval=_settings["SCRAPE_INTERVAL_SECONDS"],
    name="scrape-status-page",
)

register(
    send_daily_digest,
    queue_name="default",
    cron=_settings["DIGEST_CRON"],
    name="daily-digest",
)
