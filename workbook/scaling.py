"""Where one Redis tops out for RQ, and one way past it: queues sharded over two Redis servers.

The ceiling is derived from Redis's own accounting (INFO commandstats for commands, INFO cpu
for the CPU time its process spent) per enqueued and per processed job, and compared with a
direct measurement that adds workers until the rate stops rising. Sharding puts each job on
one of several Redis servers by a stable hash of its key, with workers per shard.

Both run the workbook's demo jobs (``noop``, ``note_run`` from :mod:`workbook.demo_jobs`) on
its queues and workers (job class :class:`~workbook.demo_jobs.WorkbookJob`).
"""

from __future__ import annotations

import time
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import redis

from mailer_app.redis_client import connect
from workbook import measure, services
from workbook.demo_jobs import get_queue, noop, note_run
from workbook.processes import start_process, wait_until


def _counters(conn: redis.Redis) -> tuple[int, float]:
    """(commands served so far, CPU seconds the redis-server process has used so far)."""
    calls = sum(v["calls"] for v in conn.info("commandstats").values())
    cpu = conn.info("cpu")
    return calls, cpu["used_cpu_user"] + cpu["used_cpu_sys"]


@dataclass
class Cost:
    """What Redis spends per job: commands and CPU time, to enqueue and to process."""

    commands_per_enqueue: float
    commands_per_processed: float
    cpu_us_per_enqueue: float
    cpu_us_per_processed: float

    @property
    def ceiling_jobs_per_second(self) -> float:
        """Jobs per second one fully busy Redis core carries (enqueued and processed)."""
        return 1e6 / (self.cpu_us_per_enqueue + self.cpu_us_per_processed)

    def as_dict(self) -> dict:
        return {**asdict(self), "ceiling_jobs_per_second": self.ceiling_jobs_per_second}


def redis_cost(redis_url: str, count: int = 2000) -> Cost:
    """Enqueue ``count`` no-op jobs one by one, then process them; read Redis's counters."""
    conn = connect(redis_url)
    conn.flushdb()
    queue = get_queue("default", conn)
    calls0, cpu0 = _counters(conn)
    for _ in range(count):
        queue.enqueue(noop)
    calls1, cpu1 = _counters(conn)
    pool = start_process(measure.pool_command(redis_url, 2, measure.WORKER_CLASSES["simple"]),
                         name="pool")
    try:
        wait_until(lambda: queue.finished_job_registry.count >= count, 300, interval=0.05,
                   what=f"{count} jobs processed")
    finally:
        pool.stop()
    calls2, cpu2 = _counters(conn)
    # The INFO calls are commands too (two per reading); worker start-up and shutdown are in
    # the second figure, a few hundred commands over thousands of jobs.
    return Cost((calls1 - calls0 - 2) / count, (calls2 - calls1 - 2) / count,
                1e6 * (cpu1 - cpu0) / count, 1e6 * (cpu2 - cpu1) / count)


def measured_ceiling(redis_url: str, counts: Sequence[int] = (1, 2, 4), jobs_each: int = 2000,
                     ) -> list[dict]:
    """Add SimpleWorker processes until the rate stops rising; Redis's CPU share at each step."""
    rows = []
    conn = connect(redis_url)
    for processes in counts:
        _, cpu0 = _counters(conn)
        run = measure.drain(redis_url, "pool-simple", processes, jobs_each)
        _, cpu1 = _counters(conn)
        rows.append({"processes": processes, "jobs_per_second": run.rate,
                     # The CPU window includes start-up; the share is a lower bound.
                     "redis_cpu_share": (cpu1 - cpu0) / run.wall_seconds})
    return rows


def shard_for(key: str, shards: int) -> int:
    """The shard a key's jobs go to: a stable hash, the same in every process and host."""
    return zlib.crc32(key.encode()) % shards


@dataclass
class ShardedRun:
    shards: int
    jobs: int
    ran: int
    ran_twice: int
    missing: int
    per_shard: list[int]
    seconds: float

    @property
    def jobs_per_second(self) -> float:
        return self.ran / self.seconds


def sharded_run(urls: Sequence[str], trace: Path, count: int = 2000,
                workers_per_shard: int = 1) -> ShardedRun:
    """Enqueue ``count`` jobs over the shards by key; drain them with workers per shard.

    Each job appends its key to ``trace``; the run checks every key ran exactly once.
    """
    trace.unlink(missing_ok=True)
    conns = [connect(url) for url in urls]
    for conn in conns:
        conn.flushdb()
    queues = [get_queue("default", conn) for conn in conns]
    keys = [f"user-{number}" for number in range(count)]
    by_shard: list[list[str]] = [[] for _ in urls]
    for key in keys:
        by_shard[shard_for(key, len(urls))].append(key)
    workers = []
    try:
        for url in urls:
            cmd = services.worker_command(url, ["default"], with_scheduler=False,
                                          worker_class=measure.WORKER_CLASSES["simple"],
                                          extra_args=["--quiet"])
            env = {**services.url_env(url), "TRACE_DIR": str(trace.parent)}
            workers += [start_process(cmd, name="shard-worker", env=env)
                        for _ in range(workers_per_shard)]
        for url in urls:  # timed from the first job, not from interpreters starting
            services.wait_for_workers(url, workers_per_shard, workers[0], timeout=60)
        started = time.perf_counter()
        for queue, shard_keys in zip(queues, by_shard, strict=True):
            queue.enqueue_many([queue.prepare_data(note_run, args=[trace.name, key], job_id=key)
                                for key in shard_keys])

        def done() -> bool:
            return all(q.finished_job_registry.count >= len(k)
                       for q, k in zip(queues, by_shard, strict=True))

        wait_until(done, 300, interval=0.05, what="every shard drained")
        seconds = time.perf_counter() - started
    finally:
        for worker in workers:
            worker.stop()
    runs = Counter(trace.read_text().split())
    return ShardedRun(len(urls), count, len(runs), sum(1 for n in runs.values() if n > 1),
                      sum(1 for key in keys if key not in runs),
                      [len(k) for k in by_shard], seconds)
