"""Every rq worker the workbook starts stops when asked: within 5 s, its pub/sub thread gone.

RQ 3.0's ``unsubscribe()`` sends UNSUBSCRIBE before it stops its pub/sub thread; a thread that
reads the confirmation first waits 60 s for a new subscription, and RQ goes on without it after
a second (a minute, as it was reported). ``mailer_app/worker.py`` stops the thread first, and
``tools/rq_exit_repro.py`` reproduces it. The paused classes below make the race certain: the
worker's main thread sleeps right after sending UNSUBSCRIBE, as a busy one on two cores does.
"""

from __future__ import annotations

import math
import signal
import subprocess
import time

import pytest
import rq.worker
from rq import Worker

import mailer_app.worker
from workbook import measure, services
from workbook.processes import start_process, wait_until

#: Each line of a worker's log starts with its ``time.time()``.
LOG_FORMAT = ["--log-format", "%(created).3f %(message)s"]
BUDGET = 5.0
PAUSE = 1.0  # a busy main thread; long enough for the pub/sub thread to read the reply
ALIVE = "pub/sub thread alive after unsubscribe:"


class PausesAfterUnsubscribe:
    """Sleep right after sending UNSUBSCRIBE; log whether the thread outlived ``unsubscribe``."""

    def subscribe(self) -> None:
        super().subscribe()
        send = self.pubsub.unsubscribe

        def send_then_pause(*args):
            sent = send(*args)
            time.sleep(PAUSE)
            return sent

        self.pubsub.unsubscribe = send_then_pause

    def unsubscribe(self) -> None:
        super().unsubscribe()
        if self.pubsub_thread:
            self.log.warning("%s %s", ALIVE, self.pubsub_thread.is_alive())


class RQWorkerPaused(PausesAfterUnsubscribe, rq.worker.Worker):
    """RQ 3.0's own worker."""


class WorkerPaused(PausesAfterUnsubscribe, mailer_app.worker.Worker):
    """The app's worker."""


class SimpleWorkerPaused(PausesAfterUnsubscribe, mailer_app.worker.SimpleWorker):
    """The app's SimpleWorker."""


class SpawnWorkerPaused(PausesAfterUnsubscribe, mailer_app.worker.SpawnWorker):
    """The app's SpawnWorker."""


def exited_at(process, timeout: float = 90) -> float:
    """The ``time.time()`` at which ``process`` exited; infinity if it still runs."""
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        return math.inf
    return time.time()


def logged_at(log: str, words: str) -> float:
    """The time of the first line of ``log`` that holds ``words``."""
    found = [line for line in log.splitlines() if words in line]
    assert found, f"the worker never logged {words!r}:\n{log[-2000:]}"
    return float(found[0].split()[0])


@pytest.mark.parametrize(("asked", "runs"), [
    (None, "mailer_app.worker.Worker"),
    ("rq.worker.Worker", "mailer_app.worker.Worker"),
    ("rq.Worker", "mailer_app.worker.Worker"),
    ("rq.worker.SimpleWorker", "mailer_app.worker.SimpleWorker"),
    ("rq.worker.SpawnWorker", "mailer_app.worker.SpawnWorker"),
    ("tests.test_worker_exit.WorkerPaused", "tests.test_worker_exit.WorkerPaused"),
])
def test_every_worker_command_runs_the_apps_classes(asked, runs):
    command = services.worker_command("redis://127.0.0.1:6390/0", worker_class=asked)
    assert command[command.index("--worker-class") + 1] == runs


def test_measure_and_the_pool_run_the_apps_classes():
    assert set(measure.WORKER_CLASSES.values()) == {
        f"mailer_app.worker.{name}" for name in ("Worker", "SimpleWorker", "SpawnWorker")}
    pool = measure.pool_command("redis://127.0.0.1:6390/0", 2)
    assert pool[pool.index("--worker-class") + 1] == "mailer_app.worker.Worker"


@pytest.mark.slow
def test_twenty_burst_workers_each_stop_within_5_s(env, tmp_path):
    stops = []
    for run in range(20):
        process = services.start_worker(env["REDIS_URL"], ["default"], burst=True,
                                        log_dir=tmp_path / f"burst-{run}", extra_args=LOG_FORMAT)
        try:
            exited = exited_at(process)
        finally:
            process.stop()
        stops.append(exited - logged_at(process.log(), "done, quitting"))
    slow = [f"{seconds:.1f}" for seconds in stops if seconds > BUDGET]
    assert not slow, (f"{len(slow)} of 20 burst workers took over {BUDGET:g} s to exit after "
                      f"'done, quitting' ({', '.join(slow)} s)")


@pytest.mark.slow
def test_ctrl_c_stops_each_of_ten_running_workers_within_5_s(env, conn, worker):
    started = [worker(["default"]) for _ in range(10)]

    def all_idle() -> bool:  # idle: past bootstrap, so Ctrl+C reaches rq's handler
        return sum(found.get_state() == "idle" for found in Worker.all(connection=conn)) == 10

    wait_until(all_idle, 120, what="10 workers waiting for jobs")
    took = []
    for process in started:
        signalled = time.time()
        process.signal(signal.SIGINT)
        took.append(exited_at(process) - signalled)
        assert process.process.returncode == 0, process.log()[-3000:]
    slow = [f"{seconds:.1f}" for seconds in took if seconds > BUDGET]
    assert not slow, f"{len(slow)} of 10 workers took over {BUDGET:g} s after Ctrl+C ({slow} s)"
    assert Worker.count(connection=conn) == 0


@pytest.mark.slow
@pytest.mark.parametrize(("worker_class", "thread_lives"), [
    ("tests.test_worker_exit.RQWorkerPaused", True),
    ("tests.test_worker_exit.WorkerPaused", False),
    ("tests.test_worker_exit.SimpleWorkerPaused", False),
    ("tests.test_worker_exit.SpawnWorkerPaused", False),
    ("pool: tests.test_worker_exit.WorkerPaused", False),
])
def test_the_pubsub_thread_is_gone_when_unsubscribe_returns(env, tmp_path, worker_class,
                                                            thread_lives):
    if worker_class.startswith("pool: "):
        pool = measure.pool_command(env["REDIS_URL"], 1, worker_class.removeprefix("pool: "))
        command = [*pool[:-1], "--burst", *pool[-1:]]
    else:
        command = services.worker_command(env["REDIS_URL"], ["default"], burst=True,
                                          with_scheduler=False, worker_class=worker_class)
    process = start_process(command, name="worker", log_dir=tmp_path)
    try:
        exited_at(process)
    finally:
        process.stop()
    said = [line.split(ALIVE)[1].strip() for line in process.log().splitlines() if ALIVE in line]
    assert said, f"the worker never unsubscribed:\n{process.log()[-3000:]}"
    if thread_lives:
        assert said == ["True"], (
            "RQ's own worker no longer leaves its pub/sub thread waiting after unsubscribe(): "
            "if RQ fixed it, mailer_app/worker.py and this case can go")
    else:
        assert said == ["False"] * len(said), (
            f"{worker_class}'s pub/sub thread outlived unsubscribe(), waiting out its 60 s read")
