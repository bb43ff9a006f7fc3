"""Shared fixtures: a real throwaway redis-server, the app, its outbox, and real workers.

Layered as RQ's own suite: one redis-server for the session, a flushed database per test,
SimpleWorker for fast job tests, and real ``rq worker`` processes where a student would run one.

A test is ``slow`` when it starts a process of its own that runs beside it: a redis-server, an
rq worker or cron, a web server, JupyterLab, Chromium, or a child pytest (which starts its own
Redis). The session's one throwaway redis-server is not counted: it starts once, before the
first test that needs it, and the fast tests share it as RQ's unit tests share theirs. A
one-shot command the test waits for (``subprocess.run`` of ``flask init-db``, ``python -c``)
is not a process beside the test either. Tests that ask for a fixture in ``PROCESS_FIXTURES``
are marked here; a fast test that starts a process anyway fails and says so, so
``make test-fast`` (``-m "not browser and not slow"``) stays what it says.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from mailer_app import create_app, db, redis_client
from tests.helpers import ARTIFACTS
from workbook import redis_runner, services, target

ROOT = Path(__file__).resolve().parent.parent
#: Fixtures that start a process (a worker, a web server, JupyterLab, Chromium) for the test
#: that asks for them: such a test is ``slow`` (and ``browser`` when it asks for ``browser``).
#: ``lab`` is a notebook's Workbench (test_your_code, test_pace), which starts a redis-server;
#: ``full_redis`` is a redis-server of its own (test_signup_failures).
PROCESS_FIXTURES = {"worker", "live_server", "browser", "lab_url", "student_lab", "lab",
                    "full_redis"}
#: Tests that start a process in their own body, in files others are editing: marked here
#: until their files say ``@pytest.mark.slow`` (then remove them from this set).
UNMARKED_SLOW = {
    "tests/test_signup_failures.py::"
    "test_a_redis_user_who_may_only_read_gives_503_and_stores_nothing",
    "tests/test_signup_failures.py::test_a_read_only_replica_gives_503_and_stores_nothing",
    "tests/test_signup_failures.py::test_a_failed_followup_takes_the_welcome_job_back",
}
REQUIRE_BROWSER = "WORKBOOK_REQUIRE_BROWSER"
#: Set to 1 (.ci/run does), a skip of a test marked ``tool`` fails: CI has every tool it needs.
REQUIRE_TOOLS = "WORKBOOK_REQUIRE_TOOLS"


def pytest_addoption(parser):
    group = parser.getgroup("workbook")
    group.addoption(
        "--target", default=target.target_name(),
        help="exercises (default), solutions, or a folder of modules (the mutants): where the "
             f"exercise tests import from. The environment variable {target.VARIABLE} sets it "
             "too.",
    )
    group.addoption(
        "--expect-stubs", action="store_true",
        help="CI: run only exercise tests and require each one to fail on the untouched stubs.",
    )


def pytest_configure(config):
    chosen = config.getoption("--target")
    folder = target.exercise_folder(chosen)
    if not folder.is_dir():
        raise pytest.UsageError(f"--target {chosen!r}: no such folder {folder}")
    # What this run imports, every process it starts imports too (check(), a notebook's cells).
    os.environ[target.VARIABLE] = chosen
    # Exercise modules are imported by bare name from the chosen folder (workers inherit it).
    folder = str(folder)
    sys.path.insert(0, folder)
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [folder] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    )


@pytest.hookimpl(tryfirst=True)  # before -m deselects by marker
def pytest_collection_modifyitems(config, items):
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        if used & PROCESS_FIXTURES or item.nodeid.split("[")[0] in UNMARKED_SLOW:
            item.add_marker(pytest.mark.slow)
        if "browser" in used:
            item.add_marker(pytest.mark.browser)
    if config.getoption("--expect-stubs"):
        # Only exercise tests have stubs to fail on.
        keep = [item for item in items if item.get_closest_marker("exercise")]
        config.hook.pytest_deselected(items=[i for i in items if i not in keep])
        items[:] = keep


_one_shot = threading.local()


@contextlib.contextmanager
def processes_allowed():
    """Let the code in the block start processes even inside a fast test."""
    _one_shot.depth = getattr(_one_shot, "depth", 0) + 1
    try:
        yield
    finally:
        _one_shot.depth -= 1


@contextlib.contextmanager
def _fast_tests_start_no_process(item):
    """Fail a test not marked ``slow`` that starts a process beside it (see the docstring)."""
    if item.get_closest_marker("slow"):
        yield
        return
    started = []
    real_popen, real_run = subprocess.Popen, subprocess.run

    class WatchedPopen(real_popen):
        def __init__(self, args, *more, **kwargs):
            if not getattr(_one_shot, "depth", 0):
                started.append(args)
            super().__init__(args, *more, **kwargs)

    def one_shot_run(*args, **kwargs):
        with processes_allowed():
            return real_run(*args, **kwargs)

    subprocess.Popen, subprocess.run = WatchedPopen, one_shot_run
    try:
        yield
    finally:
        subprocess.Popen, subprocess.run = real_popen, real_run
    if started:
        commands = "\n  ".join(" ".join(map(str, a)) if isinstance(a, list | tuple) else str(a)
                               for a in started)
        pytest.fail(f"{item.nodeid} is not marked slow but started:\n  {commands}\nMark it "
                    "@pytest.mark.slow, or name its fixture in PROCESS_FIXTURES (conftest.py).",
                    pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    with _fast_tests_start_no_process(item):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    with _fast_tests_start_no_process(item):
        return (yield)


def _skip_reason(report) -> str:
    """The reason a skipped report gives (``pytest.skip("...")`` or ``skipif(reason=...)``)."""
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr)
    return reason.removeprefix("Skipped: ")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if (report.skipped and not hasattr(report, "wasxfail") and item.get_closest_marker("browser")
            and os.environ.get(REQUIRE_BROWSER) == "1"):
        # Whatever skipped it (no Playwright, no Chromium, a skipif): CI must not pass without it.
        report.outcome = "failed"
        report.longrepr = (f"{item.nodeid} was skipped, and {REQUIRE_BROWSER}=1 says browser "
                           f"tests must run: {report.longrepr}")
        return report
    if (report.skipped and not hasattr(report, "wasxfail") and item.get_closest_marker("tool")
            and os.environ.get(REQUIRE_TOOLS) == "1"):
        # The skip's reason says what to install; CI must not pass without the test.
        report.outcome = "failed"
        report.longrepr = (f"{_skip_reason(report)}, since {REQUIRE_TOOLS}=1 does not let "
                           f"{item.nodeid} skip.")
        return report
    if call.when != "call" or not item.get_closest_marker("exercise"):
        return report
    stub = call.excinfo is not None and _raised_by_stub(call.excinfo.value)
    if item.config.getoption("--expect-stubs"):
        # Teeth: a test must reach the stub and fail there; passing means it checks nothing.
        if report.passed:
            report.outcome = "failed"
            report.longrepr = f"{item.nodeid} passes on the untouched stub: it has no teeth."
        elif stub:
            report.outcome = "passed"
            report.sections.append(("stub", "failed on the stub, as it must"))
        else:
            report.longrepr = (f"{item.nodeid} failed on the stub without reaching it "
                               f"(no NotImplementedError):\n{report.longrepr}")
    elif stub:
        # A student's untouched stub: one plain line, not a wall of traceback.
        report.longrepr = f"not implemented yet: {call.excinfo.value}"
    return report


def _raised_by_stub(exc: BaseException | None) -> bool:
    """Whether ``exc`` or anything it was raised from is a stub's NotImplementedError."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, NotImplementedError):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """A real redis-server for the whole session, on a free port, stopped by PID at the end."""
    with processes_allowed():  # the one process the fast tests share (see the docstring)
        server = redis_runner.start_redis(tmp_path_factory.mktemp("redis"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis_url(redis_server):
    """The URL of a freshly flushed Redis database."""
    client = redis_server.client()
    client.flushall()
    client.close()
    return redis_server.url


@pytest.fixture
def conn(redis_url):
    """A client of this test's Redis (the app's own factory, without its PING)."""
    client = redis_client.client_for(redis_url)
    yield client
    client.close()


@pytest.fixture
def outbox(tmp_path):
    path = tmp_path / "outbox"
    path.mkdir()
    return path


@pytest.fixture
def env(monkeypatch, tmp_path, redis_url, outbox):
    """The environment the app, jobs and workers share: this test's Redis, database, outbox."""
    values = {
        "REDIS_URL": redis_url,
        "DATABASE": str(tmp_path / "mailer.sqlite"),
        "OUTBOX_DIR": str(outbox),
        "MAIL_DELIVERY": "inline",
        "MAIL_BACKEND": "outbox",
        "MAIL_DELAY_SECONDS": "0",
        "FOLLOWUP_DELAY_SECONDS": "0",
        "DASHBOARD_PASSWORD": "correct horse battery staple",
        "DASHBOARD_DEV_MODE": "0",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


@pytest.fixture
def add_user(env):
    """Store a user in this test's database (as a signup would) and return its id."""
    db.init_db(env["DATABASE"])

    def add(name="Ada Lovelace", email="ada@example.com"):
        with db.connection(env["DATABASE"]) as conn:
            return db.insert_user(conn, name, email)

    return add


@pytest.fixture
def app(env):
    return create_app({"TESTING": True})


@pytest.fixture
def queued_app(env, monkeypatch):
    monkeypatch.setenv("MAIL_DELIVERY", "queued")
    return create_app({"TESTING": True, "MAIL_DELIVERY": "queued"})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def worker(env, tmp_path):
    """Start real ``rq worker`` processes (``worker(queues, **options)``); all stopped after.

    They run the workbook's job class, which admits the demo jobs (``workbook.demo_jobs``), as
    ``workbook.services.worker_command`` does; ``job_class=mailer_app.queues.JOB_CLASS`` makes
    the app's worker (``make worker``), which refuses them.
    """
    started = []

    def start(queues=None, **kwargs):
        process = services.start_worker(env["REDIS_URL"], queues, log_dir=tmp_path / "logs",
                                        **kwargs)
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()


@pytest.fixture
def live_server(env):
    """The mailer app over real HTTP (its own process); yields (base_url, env)."""
    def start(**overrides):
        return services.web_server({**env, **{k: str(v) for k, v in overrides.items()}})

    return start



CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    # Chromium's crash reporter daemonizes out of our process tree: keep it from starting.
    "--disable-crash-reporter",
]


def system_chromium() -> str | None:
    """Choose the Chromium to drive; None means Playwright's own (``playwright install``).

    The one place that decides, for ``make test``, ``.ci/run`` and the GitHub workflow alike:
    WORKBOOK_CHROMIUM (or the older CHROMIUM) if set; else Playwright's own build when
    ``playwright install chromium`` has fetched it (its version matches the pinned
    Playwright; what the workflow installs); else Debian's ``chromium``; never a snap wrapper
    (Ubuntu's ``chromium-browser``), which Playwright cannot drive.
    """
    import re  # noqa: PLC0415 (kept inside the one function that chooses)
    import subprocess  # noqa: PLC0415

    override = os.environ.get("WORKBOOK_CHROMIUM") or os.environ.get("CHROMIUM")
    if override:
        return override
    dry_run = subprocess.run([sys.executable, "-m", "playwright", "install", "--dry-run",
                              "chromium"], capture_output=True, text=True, check=False)
    locations = [Path(p) for p in re.findall(r"Install location:\s+(\S+)", dry_run.stdout)]
    # Headless launches use the headless shell, where this Playwright lists one.
    needed = [p for p in locations if "headless_shell" in p.name] or locations[:1]
    if needed and all(p.is_dir() and any(p.iterdir()) for p in needed):
        return None
    for candidate in ("/usr/bin/chromium", shutil.which("chromium")):
        if not candidate or not os.access(candidate, os.X_OK):
            continue
        real = os.path.realpath(candidate)
        with open(real, "rb") as binary:
            wrapper = binary.read(4096)
        if not real.startswith("/snap/") and b"snap" not in wrapper:
            return candidate
    return None


def skip_browser_test(reason: str):
    """Skip a browser test, or fail it when WORKBOOK_REQUIRE_BROWSER=1 (CI) says it must run."""
    if os.environ.get(REQUIRE_BROWSER) == "1":
        pytest.fail(f"{reason}; {REQUIRE_BROWSER}=1 says browser tests must run", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    """A headless Chromium: the system's first, else Playwright's own (``playwright install``)."""
    try:
        from playwright.sync_api import sync_playwright  # noqa: PLC0415 (the `browser` extra)
    except ImportError:
        sync_playwright = None
    if sync_playwright is None:  # outside the except: the message, not a chained traceback
        skip_browser_test("Playwright is not installed: pip install -e '.[browser]'")
    with sync_playwright() as p:
        executable = system_chromium()
        if executable is None and not Path(p.chromium.executable_path).exists():
            skip_browser_test("No Chromium found: `apt install chromium`, or `python -m "
                              "playwright install chromium`; browser tests need a real browser")
        ARTIFACTS.mkdir(exist_ok=True)
        chromium = p.chromium.launch(executable_path=executable, headless=True,
                                     args=CHROMIUM_FLAGS)
        try:
            yield chromium
        finally:
            chromium.close()
