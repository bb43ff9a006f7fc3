"""`make worker` and `make cron` run the command workbook.services builds; they copy none of it."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from rq import Worker

from mailer_app.config import DEFAULT_REDIS_URL
from mailer_app.queues import JOB_CLASS as APP_JOB_CLASS
from mailer_app.redis_client import client_for
from workbook import __main__ as cli
from workbook.processes import start_process, wait_until
from workbook.services import as_typed, cron_command, wait_for_workers, worker_command

ROOT = Path(__file__).resolve().parent.parent
MAKEFILE = (ROOT / "Makefile").read_text()


def app_worker_command(url: str) -> list[str]:
    """What ``make worker`` runs: the workbook's builder, with the app's job class.

    ``worker_command`` alone gives the workbook's own job class, which also runs the demo jobs
    of ``workbook.demo_jobs``; the app's worker must refuse those.
    """
    return worker_command(url, job_class=APP_JOB_CLASS)


def recipe(target: str) -> list[str]:
    """The recipe lines of ``target`` in the Makefile."""
    found = re.search(rf"^{target}:.*\n((?:\t.*\n)*)", MAKEFILE, re.MULTILINE)
    assert found, f"the Makefile has no {target} target"
    return [line.strip() for line in found.group(1).splitlines()]


@pytest.mark.parametrize("target", ["worker", "cron"])
def test_make_calls_the_builder(target):
    assert recipe(target) == [f"$(PY) -m workbook {target}"]


@pytest.mark.parametrize("copied", ["--job-class", "--serializer", "--with-scheduler", "-S json",
                                    "AllowlistJob", "mailers low", "mailer_app.cron"])
def test_the_makefile_holds_no_copy_of_the_command(copied):
    assert copied not in MAKEFILE


def test_no_recipe_starts_rq_itself():
    recipes = [line for line in MAKEFILE.splitlines() if line.startswith("\t")]
    assert [line for line in recipes if re.search(r"\brq\b", line)] == []


def test_the_makefile_leaves_the_default_redis_url_to_the_config():
    assert not re.search(r"^\s*(export\s+)?REDIS_URL\s*[:?+]?=", MAKEFILE, re.MULTILINE)
    assert "6379" not in MAKEFILE


def dry_run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "workbook", *args, "--print"],
                          env={**os.environ, **env}, cwd=ROOT, capture_output=True, text=True,
                          timeout=60, check=True)


@pytest.mark.parametrize(("process", "build"), [("worker", app_worker_command),
                                                ("cron", cron_command)])
@pytest.mark.parametrize("url", ["redis://127.0.0.1:6390/3", "redis://:s3cret@127.0.0.1:6390/3"])
def test_print_shows_what_services_builds(process, build, url):
    run = dry_run(process, env={"REDIS_URL": url})
    assert run.stdout == as_typed(build(url)) + "\n", f"--print showed {run.stdout!r}"
    assert "s3cret" not in run.stdout + run.stderr, "the printed command shows the password"


def test_make_worker_runs_the_apps_job_class_not_the_workbooks():
    run = dry_run("worker", env={"REDIS_URL": "redis://127.0.0.1:6390/3"})
    assert "--job-class mailer_app.queues.AllowlistJob " in run.stdout, (
        f"make worker must run the app's job class, which refuses the demo jobs: {run.stdout}")
    assert "WorkbookJob" not in run.stdout and "demo_jobs" not in run.stdout, (
        f"make worker must not run the workbook's job class: {run.stdout}")
    assert cli.PROCESSES["worker"]("redis://127.0.0.1:6390/3") == app_worker_command(
        "redis://127.0.0.1:6390/3"), "PROCESSES['worker'] should build the app's worker"


def test_without_redis_url_the_configs_default_is_used():
    env = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    run = subprocess.run([sys.executable, "-m", "workbook", "worker", "--print"], env=env,
                         cwd=ROOT, capture_output=True, text=True, timeout=60, check=True)
    assert run.stdout == as_typed(app_worker_command(DEFAULT_REDIS_URL)) + "\n", (
        f"without REDIS_URL, --print showed {run.stdout!r}")


@pytest.mark.parametrize("url", ["redis://127.0.0.1:6390/3", "redis://:s3cret@127.0.0.1:6390/3"])
def test_worker_becomes_the_built_command(monkeypatch, capsys, url):
    became = []
    monkeypatch.setenv("REDIS_URL", url)
    monkeypatch.setattr(cli.os, "execve", lambda path, argv, env: became.append((path, argv, env)))
    cli.main(["worker"])
    [(path, argv, env)] = became
    assert argv == app_worker_command(url) and path == sys.executable, (
        f"make worker became {path} {argv}, not the app's worker command")
    # A password travels in the environment rq reads, never on the command line.
    assert (env.get("RQ_REDIS_URL") == url) == ("s3cret" in url)
    assert all("s3cret" not in word for word in argv)
    assert capsys.readouterr().out == as_typed(argv) + "\n"


@pytest.mark.parametrize("argv", [["worker", "--nope"], ["cron", "--print", "x"], ["worke"]])
def test_anything_else_gets_the_usage(capsys, argv):
    assert cli.main(argv) == 2
    assert capsys.readouterr().out == cli.USAGE + "\n"


@pytest.mark.slow
def test_ctrl_c_reaches_the_worker_itself(redis_url, tmp_path):
    process = start_process([sys.executable, "-m", "workbook", "worker"], name="make-worker",
                            env={"REDIS_URL": redis_url}, log_dir=tmp_path)
    try:
        wait_for_workers(redis_url, 1, process)
        # The process make started is rq's worker itself (exec), not a Python wrapper around it.
        conn = client_for(redis_url)
        [registered] = Worker.all(connection=conn)
        assert registered.pid == process.pid
        # Idle: past its start-up, so Ctrl+C meets rq's handler, not Python's KeyboardInterrupt.
        wait_until(lambda: [w.get_state() for w in Worker.all(connection=conn)] == ["idle"], 30,
                   what="the worker waiting for jobs")
        process.signal(signal.SIGINT)
        # Ctrl+C to exit took 0.2 to 1.4 s in 10 runs at a load average of 6.5 on 2 cores: 30 s
        # is 20 times that, and half the 60 s an RQ pub/sub thread can wait (mailer_app/worker.py).
        assert process.wait(timeout=30) == 0, process.log()
        assert "warm shut down requested" in process.log()
    finally:
        process.stop()
