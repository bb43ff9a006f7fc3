"""Measurements shared by notebook 08 and ``make bench`` (tools/bench.py).

Every function starts real processes (workers, web servers) through :mod:`workbook.services`
and stops them before returning. Rates are measured from job timestamps RQ itself records
(first ``started_at`` to last ``ended_at``), so process start-up is not counted as job time;
wall times (which do include start-up) are returned beside them.

The jobs measured are the workbook's demo jobs (:mod:`workbook.demo_jobs`: ``noop``,
``sleep_for``), so the queues here make :class:`~workbook.demo_jobs.WorkbookJob` jobs and the
workers run that job class, which admits them; the app's worker (``make worker``) refuses them.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime

import redis
from rq import Queue
from rq.job import Job
from rq.serializers import JSONSerializer

from mailer_app import jobs
from mailer_app.queues import SERIALIZER
from mailer_app.queues import get_queue as app_queue
from mailer_app.redis_client import connect
from mailer_app.registry import job_function
from workbook import services
from workbook.demo_jobs import JOB_CLASS, WorkbookJob, get_queue, noop
from workbook.http import post
from workbook.processes import start_process, wait_until

#: RQ's three worker kinds, as the app's variants that stop when asked (mailer_app/worker.py).
WORKER_CLASSES = {
    "fork": "mailer_app.worker.Worker",
    "simple": "mailer_app.worker.SimpleWorker",
    "spawn": "mailer_app.worker.SpawnWorker",
}


@dataclass
class Run:
    setup: str
    processes: int
    jobs: int
    finished: int
    rate: float  # jobs per second while processing
    processing_seconds: float
    wall_seconds: float  # including starting the worker processes
    most_at_once: int = 0  # the most jobs running at one moment, by RQ's timestamps

    def as_dict(self) -> dict:
        return asdict(self)


def enqueue_bulk(queue: Queue, func: Callable, args: Sequence, count: int) -> list[str]:
    """Enqueue ``count`` jobs in one pipeline; return their ids."""
    data = [Queue.prepare_data(func, args=list(args)) for _ in range(count)]
    return [job.id for job in queue.enqueue_many(data)]


def most_at_once(spans: Sequence[tuple[datetime, datetime]]) -> int:
    """The most jobs running at one moment, from each job's ``(started_at, ended_at)``.

    A job that starts the moment another ends does not overlap it.
    """
    # At equal times an end (-1) sorts before a start (+1).
    events = sorted([(start, 1) for start, _ in spans] + [(end, -1) for _, end in spans])
    running = most = 0
    for _, step in events:
        running += step
        most = max(most, running)
    return most


def _timestamps(conn: redis.Redis, ids: list[str]) -> tuple[int, float, int]:
    fetched = [j for j in Job.fetch_many(ids, connection=conn, serializer=JSONSerializer) if j]
    done = [j for j in fetched if j.get_status() == "finished"]
    if not done:
        return 0, 0.0, 0
    first = min(j.started_at for j in done)
    last = max(j.ended_at for j in done)
    return (len(done), max((last - first).total_seconds(), 1e-6),
            most_at_once([(j.started_at, j.ended_at) for j in done]))


def pool_command(redis_url: str, processes: int, worker_class: str | None = None) -> list[str]:
    """``rq worker-pool -n processes`` on ``default``, the workbook's job and worker classes."""
    cmd = [sys.executable, "-m", "rq.cli", "worker-pool", *services.url_option(redis_url),
           "--serializer", SERIALIZER, "--job-class", JOB_CLASS, "-n", str(processes), "-q"]
    return cmd + services.worker_class_option(worker_class) + ["default"]


def drain(redis_url: str, setup: str, processes: int, count: int,
          func: Callable = noop, args: Sequence = (), timeout: float = 600) -> Run:
    """Start ``processes`` workers of kind ``setup``, then give them ``count`` jobs to drain.

    ``setup`` is ``fork``, ``simple`` or ``spawn`` (that many separate ``rq worker``
    processes of that class), or ``pool`` / ``pool-simple`` (one ``rq worker-pool -n N``).
    The jobs are enqueued only once every worker has registered, so starting 20 interpreters
    on 2 cores is not mistaken for slow jobs; ``wall_seconds`` includes that start-up.
    """
    conn = connect(redis_url)
    conn.flushdb()
    queue = get_queue("default", conn)
    started = time.perf_counter()
    procs = []
    try:
        if setup.startswith("pool"):
            kind = WORKER_CLASSES["simple"] if setup == "pool-simple" else None
            procs.append(start_process(pool_command(redis_url, processes, kind),
                                       name="pool", env=services.url_env(redis_url)))
        else:
            for _ in range(processes):
                procs.append(start_process(services.worker_command(
                    redis_url, ["default"], with_scheduler=False,
                    worker_class=WORKER_CLASSES[setup], extra_args=["--quiet"]), name="worker",
                    env=services.url_env(redis_url)))
        services.wait_for_workers(redis_url, processes, procs[0], timeout=120)
        ids = enqueue_bulk(queue, func, args, count)
        registry = queue.finished_job_registry
        wait_until(lambda: registry.count + queue.failed_job_registry.count >= count, timeout,
                   interval=0.02, what=f"{setup} x{processes} draining {count} jobs")
        wall = time.perf_counter() - started
    finally:
        for proc in procs:
            proc.stop()
    finished, window, overlap = _timestamps(conn, ids)
    return Run(setup, processes, count, finished, finished / window, window, wall, overlap)


class MeasureJob(WorkbookJob):
    """The demo jobs, plus :func:`process_id`: the job class of :func:`job_processes`."""

    job_modules = (*WorkbookJob.job_modules, __name__)


#: ``rq worker --job-class`` for the workers of :func:`job_processes`.
MEASURE_JOB_CLASS = f"{__name__}.MeasureJob"


@job_function
def process_id() -> int:
    """Return the PID of the process that runs this job: a work-horse, or the worker itself."""
    return os.getpid()


@dataclass
class JobProcesses:
    """Which processes ran one worker's jobs."""

    setup: str
    worker_pid: int
    job_pids: list[int]  # the PID each job returned

    @property
    def processes(self) -> int:
        """How many different processes ran the jobs."""
        return len(set(self.job_pids))

    @property
    def in_the_worker(self) -> int:
        """How many of the jobs ran in the worker process itself."""
        return self.job_pids.count(self.worker_pid)


def job_processes(redis_url: str, setup: str, count: int, timeout: float = 600) -> JobProcesses:
    """Give one worker of kind ``setup`` (fork, simple or spawn) ``count`` :func:`process_id` jobs.

    A count, not a speed: it is the same on a busy machine as on an idle one.
    """
    conn = connect(redis_url)
    queue = app_queue("default", conn, job_class=MeasureJob)
    worker = start_process(services.worker_command(
        redis_url, [queue.name], with_scheduler=False, worker_class=WORKER_CLASSES[setup],
        job_class=MEASURE_JOB_CLASS, extra_args=["--quiet"]), name="worker",
        env=services.url_env(redis_url))
    try:
        ids = [job.id for job in queue.enqueue_many(
            [Queue.prepare_data(process_id) for _ in range(count)])]

        def done() -> bool:
            if not worker.running():
                raise RuntimeError(f"the {setup} worker exited:\n{worker.log()[-3000:]}")
            statuses = [job.get_status() for job in Job.fetch_many(
                ids, connection=conn, serializer=JSONSerializer) if job]
            if "failed" in statuses:
                raise RuntimeError(f"a process_id job failed on the {setup} worker")
            return statuses.count("finished") == count

        wait_until(done, timeout, interval=0.05, what=f"{setup} worker running {count} jobs")
    finally:
        worker.stop()
    fetched = Job.fetch_many(ids, connection=conn, serializer=JSONSerializer)
    return JobProcesses(setup, worker.pid, [job.return_value() for job in fetched])


@dataclass
class Enqueued:
    """What enqueueing cost: the time, and Redis's own count of the commands it served."""

    jobs: int
    seconds: float
    commands: int  # every command Redis served for the enqueues (INFO commandstats)
    transactions: int  # MULTI ... EXEC blocks among them; redis-py sends each in one write

    @property
    def rate(self) -> float:
        return self.jobs / self.seconds


def command_calls(conn: redis.Redis) -> Counter:
    """How often Redis has served each command so far (``exec``, ``hset``, ...)."""
    return Counter({name.removeprefix("cmdstat_"): stats["calls"]
                    for name, stats in conn.info("commandstats").items()})


def enqueue_welcomes(redis_url: str, count: int, bulk: bool) -> Enqueued:
    """Enqueue ``count`` welcome-email jobs, one call each or in one pipeline; count the cost."""
    conn = connect(redis_url)
    conn.flushdb()
    queue = get_queue("mailers", conn)
    before = command_calls(conn)
    started = time.perf_counter()
    if bulk:
        enqueue_bulk(queue, jobs.send_welcome_email, [1], count)
    else:
        for _ in range(count):
            queue.enqueue(jobs.send_welcome_email, 1)
    elapsed = time.perf_counter() - started
    spent = command_calls(conn) - before
    del spent["info"]  # the readings themselves
    assert queue.count == count
    return Enqueued(count, elapsed, spent.total(), spent["exec"])


def enqueue_rate(redis_url: str, count: int, bulk: bool) -> float:
    """Welcome-email jobs enqueued per second, one call each or in one pipeline."""
    return enqueue_welcomes(redis_url, count, bulk).rate


def redis_roundtrips(redis_url: str, count: int) -> float:
    """LPUSH + RPOP pairs per second from one Python client: the ceiling under RQ."""
    conn = connect(redis_url)
    started = time.perf_counter()
    for i in range(count):
        conn.lpush("ceiling", i)
        conn.rpop("ceiling")
    return count / (time.perf_counter() - started)


def signup_latencies(base: str, count: int, prefix: str) -> list[float]:
    """Seconds per signup request over real HTTP (JSON POST /users), one after another."""
    latencies = []
    for i in range(count):
        status, _, seconds = post(base, "/users", {"name": f"User {i}",
                                                   "email": f"{prefix}{i}@example.com"})
        if status != 201:
            raise RuntimeError(f"signup answered {status}")
        latencies.append(seconds)
    return latencies


def percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def job_latencies(redis_url: str, count: int, processes: int = 2) -> dict[str, list[float]]:
    """Drain ``count`` ``noop`` jobs with forking workers; return RQ's own timings, in seconds.

    ``waited``: from ``enqueued_at`` to ``started_at`` (the time in the queue); ``ran``: from
    ``started_at`` to ``ended_at``. All three are timestamps RQ writes into each job's hash.
    """
    drain(redis_url, "fork", processes, count)
    conn = connect(redis_url)
    ids = get_queue("default", conn).finished_job_registry.get_job_ids()
    done = [j for j in Job.fetch_many(ids, connection=conn, serializer=JSONSerializer) if j]
    return {"waited": [(j.started_at - j.enqueued_at).total_seconds() for j in done],
            "ran": [(j.ended_at - j.started_at).total_seconds() for j in done]}
