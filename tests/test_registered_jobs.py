"""Jobs are registered, not guessed: what a job planted in Redis can no longer make a worker do.

Someone who can write to Redis writes jobs by hand, with a plain RQ queue that checks nothing.
The worker's job class must refuse every name outside the registry, every callback name
outside it, run no callback for a refused job, and no registered job may take a file path, a
database, a mail server or a URL scheme from its arguments.

There are two job classes. The app's (``mailer_app.queues.AllowlistJob``, what ``make worker``
runs) counts only ``mailer_app.jobs``: it refuses the workbook's demo jobs (``add``,
``note_run`` ...), even in a process that imported them. The workbook's
(``workbook.demo_jobs.WorkbookJob``, what the notebooks' and tests' workers run) admits them too.
"""

from __future__ import annotations

import http.server
import os
import sys
import threading
from pathlib import Path

import pytest
from rq import Queue
from rq.callbacks import Callback
from rq.job import JobStatus
from rq.serializers import JSONSerializer

from mailer_app import db, jobs, registry
from mailer_app.queues import AllowlistJob, JobRefused, get_queue
from tests.helpers import work
from workbook import demo_jobs
from workbook.__main__ import PROCESSES
from workbook.demo_jobs import WorkbookJob
from workbook.processes import free_port, start_process, wait_until
from workbook.services import as_typed, wait_for_workers

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


BOTH_CLASSES = pytest.mark.parametrize("job_class", [AllowlistJob, WorkbookJob],
                                       ids=["app", "workbook"])


@BOTH_CLASSES
@pytest.mark.parametrize(("func", "args", "message"), [
    ("mailer_app.db.init_db", ["{marker}"], "Refusing to run 'mailer_app.db.init_db'"),
    ("mailer_app.jobs.send_user_mail", [1, "welcome", {"DATABASE": "{marker}"}],
     "Refusing to run 'mailer_app.jobs.send_user_mail'"),
    ("mailer_app.jobs.no_such_job", [], "Invalid attribute name: no_such_job"),  # RQ's words
])
def test_a_planted_job_outside_the_registry_is_refused(conn, marker, job_class, func, args,
                                                        message):
    args = [a.format(marker=marker) if isinstance(a, str) else a for a in args]
    job = plain_queue(conn).enqueue(func, *args)
    work(conn, job_class=job_class)
    assert job.get_status(refresh=True) == JobStatus.FAILED, f"{func} was not refused"
    assert message in failure_of(job), f"{func} failed otherwise: {failure_of(job)}"
    assert not marker.exists(), "the planted job wrote its file"


def test_the_demo_worker_admits_only_what_an_exercise_module_defines_itself(conn):
    job = plain_queue(conn).enqueue("ex03a_enqueue.Job")  # imported there, not its own
    work(conn, job_class=WorkbookJob)
    assert "not defined in ex03a_enqueue" in failure_of(job), failure_of(job)


#: Public functions the app's worker once ran by a rule on module names (any exercise,
#: solution or playground module): one sends HTTP requests wherever told, one starts workers.
NOT_REGISTERED = ["solutions.ex02b_timed_signup.timed_signup",
                  "exercises.ex08a_throughput.measure", "ex03a_enqueue.enqueue_welcome",
                  "playground.version", "os.getcwd", "subprocess.getoutput"]


@pytest.mark.parametrize("func", NOT_REGISTERED)
def test_the_apps_worker_refuses_any_unregistered_function_before_importing_it(
        conn, monkeypatch, func):
    monkeypatch.setenv("JOB_MODULES", "ex03a_enqueue")  # notebook 03's worker
    module = func.rpartition(".")[0]
    was_imported = module in sys.modules
    job = plain_queue(conn).enqueue(func, "http://169.254.169.254/")
    work(conn, job_class=AllowlistJob)
    assert job.get_status(refresh=True) == JobStatus.FAILED, f"the app's worker ran {func}"
    assert "not one of the jobs AllowlistJob admits" in failure_of(job), failure_of(job)
    if not was_imported:
        assert module not in sys.modules, f"refusing {func}, the worker imported {module}"


def test_the_apps_worker_runs_a_job_registered_in_a_module_job_modules_names(conn, env,
                                                                              monkeypatch):
    db.init_db(env["DATABASE"])
    with db.connection(env["DATABASE"]) as sql:
        user = db.insert_user(sql, "Ada", "ada@example.com")
    job = plain_queue(conn, "mailers").enqueue("ex03a_enqueue.send_welcome", user)
    work(conn, job_class=AllowlistJob)  # JOB_MODULES not set: not this worker's job
    assert "not one of the jobs AllowlistJob admits" in failure_of(job), failure_of(job)
    monkeypatch.setenv("JOB_MODULES", "ex03a_enqueue")
    again = plain_queue(conn, "mailers").enqueue("ex03a_enqueue.send_welcome", user)
    work(conn, job_class=AllowlistJob)
    assert "Refusing" not in (failure_of(again) if again.latest_result().exc_string else ""), \
        failure_of(again)


@pytest.mark.parametrize("kind", ["on_success", "on_failure"])
def test_a_planted_callback_never_runs(conn, marker, kind):
    # Demo jobs, so the workbook's job class runs the job and reaches its callback.
    func = demo_jobs.add if kind == "on_success" else demo_jobs.fail
    job = plain_queue(conn).enqueue(func, *([1, 2] if func is demo_jobs.add else []),
                                    **{kind: Callback(PLANTED_CALLBACK)})
    work(conn, job_class=WorkbookJob)
    assert job.get_status(refresh=True) == JobStatus.FAILED, "the planted callback was accepted"
    assert "Refusing to run the" in failure_of(job) and "callback" in failure_of(job), (
        f"the job failed, but not by refusing its callback: {failure_of(job)}")
    assert not marker.exists(), "the planted callback ran"


@BOTH_CLASSES
def test_a_refused_job_runs_no_failure_callback_even_an_allowed_one(conn, marker, monkeypatch,
                                                                     job_class):
    # Even a callback that passes the rule is not run for a job the worker refused.
    monkeypatch.setitem(registry.JOBS, PLANTED_CALLBACK, planted_callback)
    job = plain_queue(conn).enqueue("os.getcwd", on_failure=Callback(PLANTED_CALLBACK))
    work(conn, job_class=job_class)
    assert job.get_status(refresh=True) == JobStatus.FAILED, "os.getcwd was not refused"
    assert "Refusing to run 'os.getcwd'" in failure_of(job), failure_of(job)
    assert not marker.exists(), "a refused job's failure callback ran"


def test_a_callback_outside_the_registry_is_refused_at_enqueue(conn):
    q = demo_jobs.get_queue("default", conn)
    with pytest.raises(JobRefused, match="callback"):
        q.enqueue(demo_jobs.add, 1, 2, on_failure=Callback(PLANTED_CALLBACK))
    assert q.count == 0, "a refused job reached the queue"


# --- the app's job class and the workbook's demo jobs, in one process -----------------------

def test_one_process_that_imported_the_demo_jobs_still_keeps_them_off_the_apps_queues(conn):
    assert "workbook.demo_jobs" in sys.modules and "workbook.demo_jobs.add" in registry.JOBS, (
        "this process should have imported and registered the demo jobs")
    app_queue = get_queue("default", conn)
    for func in (demo_jobs.add, "workbook.demo_jobs.add"):
        with pytest.raises(JobRefused, match="'workbook.demo_jobs.add' is not a job function"):
            app_queue.enqueue(func, 1, 2)
    with pytest.raises(JobRefused, match="'workbook.demo_jobs.add' is not a job function"):
        AllowlistJob.create(demo_jobs.add, args=[1, 2], connection=conn)
    with pytest.raises(JobRefused, match="not an allowed success callback"):
        app_queue.enqueue(jobs.send_daily_digest, on_success=Callback(demo_jobs.note_run))
    assert app_queue.count == 0, "a demo job reached the app's queue"

    job = demo_jobs.get_queue("default", conn).enqueue(demo_jobs.add, 1, 2)
    assert isinstance(job, WorkbookJob), f"the workbook's queue made a {type(job).__name__}"
    work(conn, job_class=WorkbookJob)
    assert job.return_value(refresh=True) == 3, "the workbook's worker did not run add(1, 2)"


@pytest.mark.parametrize(("name", "app", "workbook"), [
    ("mailer_app.jobs.send_welcome_email", True, True),
    ("workbook.demo_jobs.add", False, True),
    ("workbook.demo_jobs.note_run", False, True),
    ("workbook.demo_jobs.get_queue", False, False),  # in the module, but not a job
    ("workbook.demo_jobs.WorkbookJob", False, False),
    # An exercise module's function, by a rule on its name: only the demo worker's rule 2.
    ("ex03a_enqueue.send_later", False, True),
])
def test_each_job_class_counts_the_registered_jobs_of_its_own_modules(name, app, workbook):
    for job_class, expected in ((AllowlistJob, app), (WorkbookJob, workbook)):
        allowed = registry.is_allowed_name(name, job_class.admitted_modules(),
                                           job_class.student_modules)
        assert allowed is expected, (
            f"{job_class.__name__} should {'' if expected else 'not '}allow {name}")


@pytest.mark.parametrize("func", ["workbook.demo_jobs.note_run", "workbook.demo_jobs.add"])
def test_the_apps_job_class_refuses_a_planted_demo_job(conn, tmp_path, monkeypatch, func):
    monkeypatch.setenv("TRACE_DIR", str(tmp_path / "traces"))
    job = plain_queue(conn).enqueue(func, *(["trace.txt", "ran"] if "note_run" in func
                                            else [1, 2]))
    work(conn, job_class=AllowlistJob)
    assert job.get_status(refresh=True) == JobStatus.FAILED, f"the app's worker ran {func}"
    assert f"JobRefused: Refusing to run '{func}'" in failure_of(job), failure_of(job)
    assert "AllowlistJob admits" in failure_of(job), "the refusal should name the app's class"
    assert not (tmp_path / "traces").exists(), "the refused note_run wrote its trace"


@pytest.mark.parametrize(("url", "message"), [
    ("file:///etc/passwd", "only http://127.0.0.1:5000 (SCRAPE_URL's scheme, host and port)"),
    ("http://example.com/status", "only http://127.0.0.1:5000"),
    ("http://localhost:5000/status", "only http://127.0.0.1:5000"),  # the same host, renamed
    ("ftp://127.0.0.1:5000/status", "only http://127.0.0.1:5000"),
    ("http://user:pw@127.0.0.1:5000/status", "only http://127.0.0.1:5000"),
    ("http://127.0.0.1:6379/", "only http://127.0.0.1:5000"),  # the same host, another port
    ("http://127.0.0.1/status", "only http://127.0.0.1:5000"),  # port 80
    ("https://127.0.0.1:5000/status", "only http://127.0.0.1:5000"),
])
def test_scrape_fetches_only_the_configured_host(conn, monkeypatch, url, message):
    monkeypatch.setenv("SCRAPE_URL", "http://127.0.0.1:5000/status")
    job = get_queue("low", conn).enqueue(jobs.scrape_status_page, url)
    work(conn)
    assert job.get_status(refresh=True) == JobStatus.FAILED
    assert message in failure_of(job)


@pytest.mark.slow
def test_scrape_does_not_follow_a_redirect(conn, monkeypatch, tmp_path):
    """The allowed page answers 302 to another port: the worker must not go there."""
    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            hits.append(self.path)
            self.send_response(302)
            self.send_header("Location", f"http://127.0.0.1:{free_port()}/secret")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/status"
        monkeypatch.setenv("SCRAPE_URL", url)
        job = get_queue("low", conn).enqueue(jobs.scrape_status_page, url)
        work(conn)
    finally:
        server.shutdown()
        thread.join()
    assert job.get_status(refresh=True) == JobStatus.FAILED
    assert "HTTP Error 302" in failure_of(job), failure_of(job)
    assert hits == ["/status"]


@pytest.mark.parametrize("trace", ["../escape.txt", "/tmp/escape.txt", ".pth", "a/b", ""])
def test_note_run_writes_only_a_file_name_inside_trace_dir(conn, tmp_path, monkeypatch, trace):
    monkeypatch.setenv("TRACE_DIR", str(tmp_path / "traces"))
    job = demo_jobs.get_queue("default", conn).enqueue(demo_jobs.note_run, trace, "tag")
    ok = demo_jobs.get_queue("default", conn).enqueue(demo_jobs.note_run, "trace.txt", "tag")
    work(conn)
    assert job.get_status(refresh=True) == JobStatus.FAILED, f"note_run wrote to {trace!r}"
    assert "a trace is a plain file name" in failure_of(job), failure_of(job)
    assert (tmp_path / "traces" / "trace.txt").read_text() == "tag\n", "a plain name failed"
    assert ok.return_value() == "tag", "note_run with a plain name returned something else"
    written = sorted(p.name for p in tmp_path.rglob("*") if p.is_file())
    assert written == ["trace.txt"], f"note_run wrote {written}, not trace.txt alone"


# --- the same, against a real rq worker process started as the workbook starts it ----------

@pytest.mark.slow
def test_a_real_worker_refuses_planted_jobs_and_callbacks(env, conn, worker, tmp_path):
    marker = tmp_path / "pwned"
    q = plain_queue(conn)
    planted = q.enqueue("mailer_app.db.init_db", str(marker))
    callback = q.enqueue(demo_jobs.fail, on_failure=Callback(PLANTED_CALLBACK))
    outside = q.enqueue(demo_jobs.note_run, str(tmp_path / "escape.pth"), "import os")
    scrape = get_queue("low", conn).enqueue(jobs.scrape_status_page, "file:///etc/passwd")
    worker(["default", "low"], env={MARKER: str(marker)})
    for job in (planted, callback, outside, scrape):
        wait_until(lambda job=job: job.get_status(refresh=True) == JobStatus.FAILED, 30,
                   what=f"{job.func_name} failing")
    assert "Refusing to run 'mailer_app.db.init_db'" in failure_of(planted)
    assert "Refusing to run the failure callback" in failure_of(callback)
    assert "a trace is a plain file name" in failure_of(outside)
    assert "Refusing to fetch 'file:///etc/passwd'" in failure_of(scrape)
    assert not marker.exists() and not (tmp_path / "escape.pth").exists(), "a planted job wrote"


# --- the app's worker (make worker) and the workbook's, as real processes --------------------

def plant_demo_jobs(conn) -> dict:
    """Jobs written into Redis by hand, checked by nothing, that name two demo jobs."""
    q = plain_queue(conn)
    return {"note_run": q.enqueue("workbook.demo_jobs.note_run", "planted.txt", "ran"),
            "add": q.enqueue("workbook.demo_jobs.add", 1, 2)}


def wait_for_the_end(*jobs_run) -> None:
    for job in jobs_run:
        wait_until(lambda job=job: job.get_status(refresh=True) in (JobStatus.FINISHED,
                                                                    JobStatus.FAILED),
                   30, what=f"{job.func_name} ending")


@pytest.fixture
def make_worker(env, tmp_path):
    """``make worker`` as a student runs it: ``python -m workbook worker``, which becomes rq."""
    process = start_process([sys.executable, "-m", "workbook", "worker"], name="make-worker",
                            env={"TRACE_DIR": str(tmp_path / "traces")},
                            log_dir=tmp_path / "logs")
    try:
        wait_for_workers(env["REDIS_URL"], 1, process)
        yield process
    finally:
        process.stop()


@pytest.mark.slow
def test_make_workers_worker_refuses_planted_demo_jobs_and_demo_callbacks(env, conn, tmp_path,
                                                                         make_worker):
    built = PROCESSES["worker"](env["REDIS_URL"])
    assert make_worker.log().splitlines()[0] == as_typed(built), (
        f"make worker did not run the command PROCESSES builds: {make_worker.log()[:500]}")
    assert built[built.index("--job-class") + 1] == "mailer_app.queues.AllowlistJob", (
        f"make worker's command should name the app's job class: {built}")
    db.init_db(env["DATABASE"])
    planted = plant_demo_jobs(conn)
    callback = plain_queue(conn, "low").enqueue(
        "mailer_app.jobs.send_daily_digest", on_success=Callback("workbook.demo_jobs.note_run"))
    control = get_queue("low", conn).enqueue(jobs.send_daily_digest)
    wait_for_the_end(*planted.values())
    for name, job in planted.items():
        assert job.get_status(refresh=True) == JobStatus.FAILED, f"make worker ran {name}"
        assert (f"JobRefused: Refusing to run 'workbook.demo_jobs.{name}'"
                in failure_of(job)), f"{name} failed, but not as refused: {failure_of(job)}"
        assert "AllowlistJob admits" in failure_of(job), (
            f"the refusal should name the app's job class: {failure_of(job)}")
        assert job.return_value() is None, f"{name} returned {job.return_value()!r}"
    wait_for_the_end(control, callback)
    assert control.get_status(refresh=True) == JobStatus.FINISHED, (
        f"the app's worker should still run the app's own jobs: {make_worker.log()[-2000:]}")
    assert callback.get_status(refresh=True) == JobStatus.FAILED, "the demo callback was run"
    assert ("JobRefused: Refusing to run the success callback 'workbook.demo_jobs.note_run'"
            in failure_of(callback)), f"the callback was not refused: {failure_of(callback)}"
    assert not (tmp_path / "traces").exists(), "a demo job planted for make worker wrote a trace"


@pytest.mark.slow
def test_the_workbooks_worker_runs_the_same_planted_demo_jobs(env, conn, tmp_path, worker):
    process = worker(env={"TRACE_DIR": str(tmp_path / "traces")})  # worker_command's defaults
    args = list(process.process.args)
    assert args[args.index("--job-class") + 1] == "workbook.demo_jobs.WorkbookJob", (
        f"the workbook's workers should run the workbook's job class: {args}")
    planted = plant_demo_jobs(conn)
    wait_for_the_end(*planted.values())
    for name, job in planted.items():
        assert job.get_status(refresh=True) == JobStatus.FINISHED, (
            f"the workbook's worker did not run {name}: {job.latest_result().exc_string}")
    assert planted["add"].return_value() == 3, "add(1, 2) did not return 3"
    assert (tmp_path / "traces" / "planted.txt").read_text() == "ran\n", (
        "note_run ran but left no trace line")
