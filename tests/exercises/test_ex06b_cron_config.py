import pytest
from rq.cron import CronScheduler

pytestmark = pytest.mark.exercise("06b")


def test_rq_cron_loads_both_jobs(conn):
    cron = CronScheduler(connection=conn)
    cron.load_config_from_file("ex06b_cron_config")
    jobs = {job.name: job for job in cron.get_jobs()}
    assert set(jobs) == {"scrape", "weekday-digest"}
    scrape, digest = jobs["scrape"], jobs["weekday-digest"]
    assert scrape.func.__name__ == "scrape_status_page"
    assert (scrape.queue_name, scrape.interval, scrape.cron) == ("low", 30, None)
    assert digest.func.__name__ == "send_daily_digest"
    assert (digest.queue_name, digest.cron) == ("default", "30 8 * * 1-5")
