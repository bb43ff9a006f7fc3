"""No password on a command line: ``ps`` shows every process's argv to every user.

Each kind of process the workbook starts is started here with a Redis password, and the
``/proc/<pid>/cmdline`` of it and of every process it started is searched for the password.
"""

from __future__ import annotations

import stat
from pathlib import Path
from urllib.parse import quote

import psutil
import pytest
from rq.job import JobStatus

from mailer_app.queues import get_queue
from mailer_app.redis_client import client_for
from workbook import redis_runner, services
from workbook.processes import free_port, wait_until

PASSWORD = "argv-secret-7f3e"

pytestmark = pytest.mark.skipif(not Path("/proc/self/cmdline").exists(),
                                reason="reads /proc/<pid>/cmdline (Linux)")


def cmdlines(pid: int) -> dict[int, str]:
    """The command line of ``pid`` and of each process below it, by PID."""
    found = {}
    root = psutil.Process(pid)
    for proc in [root, *root.children(recursive=True)]:
        try:
            found[proc.pid] = Path(f"/proc/{proc.pid}/cmdline").read_bytes().replace(
                b"\0", b" ").decode(errors="replace")
        except (FileNotFoundError, ProcessLookupError):
            continue
    return found


def assert_no_password(pid: int, what: str) -> dict[int, str]:
    lines = cmdlines(pid)
    leaked = {p: line for p, line in lines.items() if PASSWORD in line}
    assert leaked == {}, f"the {what}'s command line shows the password: {leaked}"
    return lines


@pytest.fixture
def locked_redis(tmp_path):
    """A redis-server whose default user needs ``PASSWORD``."""
    with redis_runner.redis_server(tmp_path / "redis", password=PASSWORD) as server:
        yield server


@pytest.mark.slow
def test_redis_server_reads_its_password_from_a_file_only_its_owner_reads(locked_redis):
    assert_no_password(locked_redis.pid, "redis-server")
    # Redis rewrites its process title once running, so the launch arguments are checked too:
    # before the rewrite, /proc shows them as given.
    started_with = " ".join(locked_redis.process.args)
    assert PASSWORD not in started_with, started_with
    config = locked_redis.directory / "secrets.conf"
    assert str(config) in started_with, "the password should come from secrets.conf"
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    assert locked_redis.client().ping(), "the password from the file should be required and work"
    with pytest.raises(Exception, match="(?i)auth"):
        client_for(f"redis://127.0.0.1:{locked_redis.port}/0").set("k", "v")


@pytest.mark.slow
def test_rq_worker_and_its_horse_get_the_url_from_the_environment(locked_redis, tmp_path):
    queue = get_queue("default", locked_redis.client())
    job = queue.enqueue("mailer_app.jobs.send_welcome_email", 0)  # fails: no such user
    with services.rq_worker(locked_redis.url, ["default"], log_dir=tmp_path) as worker:
        assert "--url" not in worker.process.args
        wait_until(lambda: job.get_status(refresh=True) == JobStatus.FAILED, 30)
        lines = assert_no_password(worker.pid, "rq worker")
        assert len(lines) >= 2, f"expected the worker and its scheduler: {lines}"


@pytest.mark.slow
def test_rq_cron_gets_the_url_from_the_environment(locked_redis):
    with services.rq_cron(locked_redis.url) as cron:
        conn = locked_redis.client()
        wait_until(lambda: conn.llen("rq:queue:low") or not cron.running(), 30,
                   what="rq cron enqueueing its first job")
        assert cron.running(), cron.log()
        assert_no_password(cron.pid, "rq cron")


@pytest.mark.slow
def test_web_server_gets_the_url_from_the_environment(locked_redis, env, tmp_path):
    process, _base = services.start_web({**env, "REDIS_URL": locked_redis.url},
                                        log_dir=tmp_path)
    try:
        assert_no_password(process.pid, "web server")
    finally:
        process.stop()


@pytest.mark.slow
def test_make_redis_reads_its_password_from_a_file(tmp_path):
    url = f"redis://:{PASSWORD}@127.0.0.1:{free_port()}/0"
    state = tmp_path / "var"
    said = redis_runner.workbook_redis_start(url, state)
    try:
        assert PASSWORD not in said and ":***@" in said, f"printed unredacted: {said}"
        assert_no_password(int((state / "redis.pid").read_text()), "make redis's redis-server")
        assert client_for(url).ping()
        again = redis_runner.workbook_redis_start(url, state)
        assert PASSWORD not in again and "already" in again, again
    finally:
        redis_runner.workbook_redis_stop(state)


@pytest.mark.slow
def test_a_percent_encoded_password_is_decoded_before_redis_gets_it(tmp_path):
    """``p@ss:w/rd`` must be written ``p%40ss%3Aw%2Frd`` in a URL; Redis wants the password."""
    url = f"redis://:{quote('p@ss:w/rd', safe='')}@127.0.0.1:{free_port()}/0"
    state = tmp_path / "var"
    redis_runner.workbook_redis_start(url, state)
    try:
        assert client_for(url).ping()  # redis-py decodes the URL: the server must agree
        secret = (state / "redis" / "secrets.conf").read_text()
        assert 'requirepass "p@ss:w/rd"' in secret, secret
    finally:
        redis_runner.workbook_redis_stop(state)
