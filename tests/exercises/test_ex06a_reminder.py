from datetime import UTC, datetime, timedelta

import ex06a_reminder as ex
import pytest

from mailer_app.queues import get_queue
from tests.exercises.queue_checks import assert_made_by_get_queue

pytestmark = pytest.mark.exercise("06a")


def test_schedules_at_the_given_moment(conn):
    when = datetime.now(UTC) + timedelta(hours=2)
    job = ex.schedule_reminder(conn, 5, when)
    assert getattr(job, "id", None) == "reminder-5", (
        f"schedule_reminder returned {job!r}: return the job, whose id is reminder-<user_id>")
    assert job.func_name == "mailer_app.jobs.send_followup_email" and list(job.args) == [5], (
        f"the job calls {job.func_name}{tuple(job.args)}: schedule "
        "mailer_app.jobs.send_followup_email(5)")
    registry = get_queue("mailers", conn).scheduled_job_registry
    assert registry.get_job_ids() == ["reminder-5"], (
        f"the mailers queue's scheduled jobs are {registry.get_job_ids()}: schedule the reminder "
        "there for later, do not queue it now")
    assert abs((registry.get_scheduled_time("reminder-5") - when).total_seconds()) < 1.5, (
        "the reminder is not scheduled at the moment given")
    assert_made_by_get_queue(conn, job)


def test_naive_datetime_is_refused(conn):
    with pytest.raises(ValueError):
        ex.schedule_reminder(conn, 5, datetime.now() + timedelta(hours=2))
        pytest.fail("a naive datetime was scheduled: RQ reads it as local time, hours off")
    assert get_queue("mailers", conn).scheduled_job_registry.count == 0


def test_past_is_refused(conn):
    with pytest.raises(ValueError):
        ex.schedule_reminder(conn, 5, datetime.now(UTC) - timedelta(minutes=1))
        pytest.fail("a moment in the past was scheduled: refuse it")
    assert get_queue("mailers", conn).scheduled_job_registry.count == 0
