"""Jobs are registered, not guessed: what a job planted in Redis can no longer make a worker do.

Someone who can write to Redis writes jobs by hand, with a plain RQ queue that checks nothing.
The worker's job class (``AllowlistJob``) must refuse every name outside the registry, every
callback name outside it, run no callback for a refused job, and no registered job may take a
file path, a database, a mail server or a URL scheme from its arguments.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from rq import Queue
from rq.callbacks import Callback
from rq.job import JobStatus
from rq.serializers import JSONSerializer

from mailer_app import jobs, registry
from mailer_app.queues import JobRefused, get_queue
from tests.helpers import work
from workbook.processes import wait_until

MARKER = "WORKBOOK_PLANTED_MARKER"


def planted_callback(job, connection, *exc_info):
    """What an attacker's callback would do: leave a mark (it must never run)."""
    Path(os.environ[MARKER]).write_text(f"callback ran for {job.id}")


PLANTED_CALLBACK = f"{__name__}.planted_callback"


def plain_queue(conn, name="default"):
    """An RQ queue with no allowlist: how a job is planted by hand."""
    return Queue(name, connection=conn, serializer=JSONSerializer)


@pytest.fixture
def marker(tmp_path, monkeypatch):
    path = tmp_path / "pwned"
    monkeypatch.setenv(MARKER, str(path))
    return path


def failure_of(job) -> str:
    return job.latest_result().exc_string.strip().splitlines()[-1]


@pytest.mark.parametrize(("func", "args", "message"), [
    ("mailer_app.db.init_db", ["{marker}"], "Refusing to run 'mailer_app.db.init_db'"),
    ("mailer_app.jobs.send_user_mail", [1, "welcome", {"DATABASE": "{marker}"}],
     "Refusing to run 'mailer_app.jobs.send_user_mail'"),
    ("ex03a_enqueue.Job", [], "not defined in ex03a_enqueue"),  # imported there, not its own
    ("mailer_app.jobs.no_such_job", [], "Invalid attribute name: no_such_job"),  # RQ's words
])
def test_a_planted_job_outside_the_registry_is_refused(conn, marker, func, args, message):
    args = [a.format(marker=marker) if isinstance(a, str) else a for a in args]
    job = plain_queue(conn).enqueue(func, *args)
    work(conn)
    assert job.get_status(refresh=True) == JobStatus.FAILED
    assert message in failure_of(job)
    assert not marker.exists(), "the planted job wrote its file"


@pytest.mark.parametrize("kind", ["on_success", "on_failure"])
def test_a_planted_callback_never_runs(conn, marker, kind):
    func = jobs.add if kind == "on_success" else jobs.fail
    job = plain_queue(conn).enqueue(func, *([1, 2] if func is jobs.add else []),
                                    **{kind: Callback(PLANTED_CALLBACK)})
    work(conn)
    assert job.get_status(refresh=True) == JobStatus.FAILED
    assert "Refusing to run the" in failure_of(job) and "callback" in failure_of(job)
    assert not marker.exists(), "the planted callback ran"


def test_a_refused_job_runs_no_failure_callback_even_an_allowed_one(conn, marker, monkeypatch):
    # Even a callback that passes the rule is not run for a job the worker refused.
    monkeypatch.setitem(registry.JOBS, PLANTED_CALLBACK, planted_callback)
    job = plain_queue(conn).enqueue("os.getcwd", on_failure=Callback(PLANTED_CALLBACK))
    work(conn)
    assert job.get_status(refresh=True) == JobStatus.FAILED
    assert "Refusing to run 'os.getcwd'" in failure_of(job)
    assert not marker.exists(), "a refused job's failure callback ran"


def test_a_callback_outside_the_registry_is_refused_at_enqueue(conn):
    with pytest.raises(JobRefused, match="callback"):
        get_queue("default", conn).enqueue(jobs.add, 1, 2, on_failure=Callback(PLANTED_CALLBACK))
    assert get_queue("default", conn).count == 0


@pytest.mark.parametrize(("url", "message"), [
    ("file:///etc/passwd", "only http(s) URLs on 127.0.0.1"),
    ("http://example.com/status", "only http(s) URLs"),
    ("http://localhost:5000/status", "only http(s) URLs"),  # the same machine, another name
    ("ftp://127.0.0.1:5000/status", "only http(s) URLs"),
    ("http://user:pw@127.0.0.1:5000/status", "only http(s) URLs"),
])
def test_scrape_fetches_only_the_configured_host(conn, monkeypatch, url, message):
    monkeypatch.setenv("SCRAPE_URL", "http://127.0.0.1:5000/status")
    job = get_queue("low", conn).enqueue(jobs.scrape_status_page, url)
    work(conn)
    assert job.get_status(refresh=True) == JobStatus.FAILED
    assert message in failure_of(job)


@pytest.mark.parametrize("trace", ["../escape.txt", "/tmp/escape.txt", ".pth", "a/b", ""])
def test_note_run_writes_only_a_file_name_inside_trace_dir(conn, tmp_path, monkeypatch, trace):
    monkeypatch.setenv("TRACE_DIR", str(tmp_path / "traces"))
    job = get_queue("default", conn).enqueue(jobs.note_run, trace, "tag")
    ok = get_queue("default", conn).enqueue(jobs.note_run, "trace.txt", "tag")
    work(conn)
    assert job.get_status(refresh=True) == JobStatus.FAILED
    assert "a trace is a plain file name" in failure_of(job)
    assert (tmp_path / "traces" / "trace.txt").read_text() == "tag\n"
    assert ok.return_value() == "tag"
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["trace.txt"]


# --- the same, against a real rq worker process started as the workbook starts it ----------

@pytest.mark.slow
def test_a_real_worker_refuses_planted_jobs_and_callbacks(env, conn, worker, tmp_path):
    marker = tmp_path / "pwned"
    q = plain_queue(conn)
    planted = q.enqueue("mailer_app.db.init_db", str(marker))
    callback = q.enqueue(jobs.fail, on_failure=Callback(PLANTED_CALLBACK))
    outside = q.enqueue(jobs.note_run, str(tmp_path / "escape.pth"), "import os")
    scrape = get_queue("low", conn).enqueue(jobs.scrape_status_page, "file:///etc/passwd")
    worker(["default", "low"], env={MARKER: str(marker)})
    for job in (planted, callback, outside, scrape):
        wait_until(lambda job=job: job.get_status(refresh=True) == JobStatus.FAILED, 30,
                   what=f"{job.func_name} failing")
    assert "Refusing to run 'mailer_app.db.init_db'" in failure_of(planted)
    assert "Refusing to run the failure callback" in failure_of(callback)
    assert "a trace is a plain file name" in failure_of(outside)
    assert "only http(s) URLs" in failure_of(scrape)
    assert not marker.exists() and not (tmp_path / "escape.pth").exists(), "a planted job wrote"
