from datetime import UTC, datetime, timedelta

import ex06a_reminder as ex
import pytest

from mailer_app.queues import get_queue

pytestmark = pytest.mark.exercise("06a")


def test_schedules_at_the_given_moment(conn):
    when = datetime.now(UTC) + timedelta(hours=2)
    job = ex.schedule_reminder(conn, 5, when)
    assert job.id == "reminder-5"
    assert job.func_name == "mailer_app.jobs.send_followup_email" and list(job.args) == [5]
    registry = get_queue("mailers", conn).scheduled_job_registry
    assert registry.get_job_ids() == ["reminder-5"]
    assert abs((registry.get_scheduled_time("reminder-5") - when).total_seconds()) < 1.5, (
        "the reminder is not scheduled at the moment given")


def test_naive_datetime_is_refused(conn):
    with pytest.raises(ValueError, match="timezone"):
        ex.schedule_reminder(conn, 5, datetime.now() + timedelta(hours=2))
        pytest.fail("a naive datetime was scheduled: RQ reads it as local time, hours off")
    assert get_queue("mailers", conn).scheduled_job_registry.count == 0


def test_past_is_refused(conn):
    with pytest.raises(ValueError, match="past"):
        ex.schedule_reminder(conn, 5, datetime.now(UTC) - timedelta(minutes=1))
        pytest.fail("a moment in the past was scheduled: refuse it")
