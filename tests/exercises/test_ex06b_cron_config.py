from datetime import datetime

import pytest
from croniter import croniter
from rq.cron import CronScheduler

pytestmark = pytest.mark.exercise("06b")

WEEKDAYS_0830 = "30 8 * * 1-5"


def _fire_times(cron: str, count: int = 40) -> list[datetime]:
    """When ``cron`` fires, from a fixed Monday on: equal lists mean the same schedule."""
    it = croniter(cron, datetime(2026, 11, 30, 0, 0))
    return [it.get_next(datetime) for _ in range(count)]


def _load(conn):
    """Load the config as ``rq cron`` does (in the test, so a stub fails the test itself)."""
    cron = CronScheduler(connection=conn)
    cron.load_config_from_file("ex06b_cron_config")
    return {job.name: job for job in cron.get_jobs()}


def test_both_jobs_are_registered_by_name(conn):
    loaded = _load(conn)
    assert set(loaded) == {"scrape", "weekday-digest"}, (
        f"registered {sorted(loaded)}: register two jobs named scrape and weekday-digest")


def test_the_scrape_runs_every_30_seconds_on_low(conn):
    loaded = _load(conn)
    scrape = loaded["scrape"]
    assert scrape.func.__name__ == "scrape_status_page", (
        f"the job named scrape runs {scrape.func.__name__}, not mailer_app.jobs.scrape_status_page")
    assert (scrape.queue_name, scrape.interval, scrape.cron) == ("low", 30, None), (
        "the scrape runs on an interval of 30 seconds, on the low queue")


def test_the_digest_runs_at_0830_on_weekdays_only(conn):
    loaded = _load(conn)
    digest = loaded["weekday-digest"]
    assert digest.func.__name__ == "send_daily_digest", (
        f"the job named weekday-digest runs {digest.func.__name__}, not "
        "mailer_app.jobs.send_daily_digest")
    assert digest.queue_name == "default", (
        f"the digest goes on {digest.queue_name!r}, not the default queue")
    assert digest.cron, "the digest needs a cron string, not an interval"
    assert _fire_times(digest.cron) == _fire_times(WEEKDAYS_0830), (
        f"{digest.cron!r} fires at other times than 08:30 Monday to Friday")
