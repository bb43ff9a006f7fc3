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

import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

import redis
from rq import Queue
from rq.job import Job
from rq.serializers import JSONSerializer

from mailer_app import jobs
from mailer_app.queues import SERIALIZER
from mailer_app.redis_client import connect
from workbook import services
from workbook.demo_jobs import JOB_CLASS, get_queue, noop
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

    def as_dict(self) -> dict:
        return asdict(self)


def enqueue_bulk(queue: Queue, func: Callable, args: Sequence, count: int) -> list[str]:
    """Enqueue ``count`` jobs in one pipeline; return their ids."""
    data = [Queue.prepare_data(func, args=list(args)) for _ in range(count)]
    return [job.id for job in queue.enqueue_many(data)]


def _timestamps(conn: redis.Redis, ids: list[str]) -> tuple[int, float]:
    fetched = [j for j in Job.fetch_many(ids, connection=conn, serializer=JSONSerializer) if j]
    done = [j for j in fetched if j.get_status() == "finished"]
    if not done:
        return 0, 0.0
    first = min(j.started_at for j in done)
    last = max(j.ended_at for j in done)
    return len(done), max((last - first).total_seconds(), 1e-6)


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
    finished, window = _timestamps(conn, ids)
    return Run(setup, processes, count, finished, finished / window, window, wall)


def enqueue_rate(redis_url: str, count: int, bulk: bool) -> float:
    """Welcome-email jobs enqueued per second, one call each or in one pipeline."""
    conn = connect(redis_url)
    conn.flushdb()
    queue = get_queue("mailers", conn)
    started = time.perf_counter()
    if bulk:
        enqueue_bulk(queue, jobs.send_welcome_email, [1], count)
    else:
        for _ in range(count):
            queue.enqueue(jobs.send_welcome_email, 1)
    elapsed = time.perf_counter() - started
    assert queue.count == count
    return count / elapsed


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
