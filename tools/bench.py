"""make bench: the async benefit and the throughput of every worker setup, side by side.

Starts its own throwaway redis-server, web servers and workers (and stops them), measures
everything in one run, prints a table with medians of several rounds and the ratios between
rows, and writes ``notebooks/bench/results.json`` (one record per row) and
``notebooks/bench/throughput.png`` for notebook 08.

    python tools/bench.py            # make bench: every row, one round each (under 5 minutes)
    python tools/bench.py --full     # medians of three rounds, more jobs (about 10 minutes)
    python tools/bench.py --quick    # fewer jobs still, for a smoke test
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from mailer_app import ratelimit, redis_client  # noqa: E402
from workbook import (  # noqa: E402
    demo_jobs,
    failover,
    hosts,
    measure,
    processes,
    redis_runner,
    scaling,
    services,
)

OUT = ROOT / "notebooks" / "bench"


class Table:
    """Rows of (name, value, unit, settings); printed with ratios to a reference row."""

    def __init__(self):
        self.rows: list[dict] = []

    def add(self, name: str, value: float, unit: str, **settings) -> dict:
        row = {"name": name, "value": round(value, 4), "unit": unit, **settings}
        self.rows.append(row)
        ratio = ""
        if "compare_to" in settings:
            ref = next(r for r in self.rows if r["name"] == settings["compare_to"])
            if unit in ("s", "ms"):  # a time: lower is better
                row["ratio"] = round(ref["value"] / value, 3)
                ratio = f"{row['ratio']:>9,.1f}x faster than {settings['compare_to']}"
            else:
                row["ratio"] = round(value / ref["value"], 3)
                ratio = f"{row['ratio']:>9,.2f}x {settings['compare_to']}"
        print(f"  {name:<46}{value:>12,.1f} {unit:<10}{ratio}", flush=True)
        return row


def rounds_median(fn, rounds: int) -> float:
    return measure.median([fn() for _ in range(rounds)])


def async_benefit(table: Table, redis_url: str, requests: int, delay: float) -> None:
    print(f"\n1. The async benefit: signup latency over HTTP, MAIL_DELAY_SECONDS={delay}")
    workdir = Path(tempfile.mkdtemp(prefix="bench-app-"))
    env = {"REDIS_URL": redis_url, "DATABASE": str(workdir / "db.sqlite"),
           "OUTBOX_DIR": str(workdir / "outbox"), "MAIL_DELAY_SECONDS": str(delay),
           "FOLLOWUP_DELAY_SECONDS": "0", "MAIL_BACKEND": "outbox"}
    redis_client.connect(redis_url).flushdb()
    try:
        results = {}
        for mode in ("inline", "queued"):
            with services.web_server({**env, "MAIL_DELIVERY": mode}) as base:
                measure.signup_latencies(base, 3, f"warmup-{mode}-")
                results[mode] = measure.signup_latencies(base, requests, f"{mode}-")
        for mode in ("inline", "queued"):
            lat = results[mode]
            table.add(f"signup p50, {mode}", measure.percentile(lat, 50) * 1000, "ms",
                      group="async", requests=requests, mail_delay_s=delay,
                      **({"compare_to": "signup p50, inline"} if mode == "queued" else {}))
            table.add(f"signup p95, {mode}", measure.percentile(lat, 95) * 1000, "ms",
                      group="async", requests=requests, mail_delay_s=delay)
        queued_p50 = measure.percentile(results["queued"], 50)
        table.add("signup p50 inline at 30 s delay (computed)",
                  (measure.percentile(results["inline"], 50) - delay + 30) * 1000, "ms",
                  group="async", computed=True)
        table.add("speed-up at 30 s delay (computed)",
                  (measure.percentile(results["inline"], 50) - delay + 30) / queued_p50,
                  "x", group="async", computed=True)
        # One real 30 s request, to check the computed figure.
        with services.web_server({**env, "MAIL_DELIVERY": "inline",
                                  "MAIL_DELAY_SECONDS": "30"}) as base:
            [spot] = measure.signup_latencies(base, 1, "spot-")
        table.add("signup inline at 30 s delay (measured once)", spot * 1000, "ms",
                  group="async", mail_delay_s=30,
                  compare_to="signup p50 inline at 30 s delay (computed)")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def enqueue_rates(table: Table, redis_url: str, count: int, rounds: int) -> None:
    print(f"\n2. Enqueue rate, {count:,} welcome jobs, median of {rounds}")
    table.add("enqueue one by one", rounds_median(
        lambda: measure.enqueue_rate(redis_url, count, bulk=False), rounds), "jobs/s",
        group="enqueue", jobs=count, rounds=rounds)
    table.add("enqueue_many (one pipeline)", rounds_median(
        lambda: measure.enqueue_rate(redis_url, count, bulk=True), rounds), "jobs/s",
        group="enqueue", jobs=count, rounds=rounds, compare_to="enqueue one by one")


def processing(table: Table, redis_url: str, noop_jobs: int, io_jobs: int, rounds: int,
               io_seconds: float, io_workers: list[int]) -> None:
    print(f"\n3a. Processing rate, no-op jobs, median of {rounds}")
    setups = [("fork", 1), ("fork", 2), ("fork", 4), ("simple", 1), ("simple", 2),
              ("simple", 4), ("spawn", 1), ("pool", 2), ("pool-simple", 2), ("pool-simple", 4)]
    for setup, n in setups:
        # The slow setups get fewer jobs so three rounds fit in the time; the rate is per job.
        count = {"spawn": max(10, noop_jobs // 50), "fork": noop_jobs // 2,
                 "pool": noop_jobs // 2}.get(setup, noop_jobs)
        rate = rounds_median(lambda s=setup, n=n, c=count: measure.drain(
            redis_url, s, n, c).rate, rounds)
        table.add(f"no-op: {setup} x{n}", rate, "jobs/s", group="noop", setup=setup,
                  processes=n, jobs=count, rounds=rounds,
                  **({} if (setup, n) == ("fork", 1) else {"compare_to": "no-op: fork x1"}))

    print(f"\n3b. I/O-bound: {io_jobs} jobs sleeping {io_seconds} s each (the mail server)")
    for setup in ("fork", "simple"):
        first = f"I/O-bound: {setup} x1, seconds to drain"
        for n in io_workers:
            run = measure.drain(redis_url, setup, n, io_jobs, demo_jobs.sleep_for,
                                [io_seconds])
            table.add(f"I/O-bound: {setup} x{n}, seconds to drain", run.processing_seconds, "s",
                      group="io", setup=setup, processes=n, jobs=io_jobs,
                      job_seconds=io_seconds, wall_seconds_with_startup=round(run.wall_seconds, 2),
                      **({} if n == 1 else {"compare_to": first}))


def ceiling(table: Table, redis_url: str, port: int, jobs_each: int) -> scaling.Cost:
    print("\n4. The ceiling: Redis itself")
    table.add("redis-py LPUSH+RPOP round trips", measure.redis_roundtrips(redis_url, 20_000),
              "pairs/s", group="ceiling")
    bench = shutil.which("redis-benchmark") or str(
        Path(redis_runner.find_redis_server()).with_name("redis-benchmark"))
    if os.access(bench, os.X_OK):
        out = subprocess.run([bench, "-p", str(port), "-t", "lpush,rpop", "-n", "100000", "-q"],
                             capture_output=True, text=True, timeout=120).stdout
        for line in out.splitlines():
            if "requests per second" in line:
                name, value = line.split(":", 1)
                table.add(f"redis-benchmark {name.strip()}",
                          float(value.split()[0].replace(",", "")), "ops/s", group="ceiling")
    else:
        print("  (redis-benchmark not found: the pip-shipped Redis has none; apt/brew/conda do)")
    # One measurement of what RQ costs Redis: its commands here, its CPU time in section 6.
    cost = scaling.redis_cost(redis_url, jobs_each)
    table.add("Redis commands per enqueue job", cost.commands_per_enqueue, "commands",
              group="ceiling")
    table.add("Redis commands per processed job", cost.commands_per_processed, "commands",
              group="ceiling")
    return cost


def ceiling_fractions(table: Table) -> None:
    """Each RQ rate as a share of one client's raw Redis round trips (the ceiling)."""
    ceiling_row = next(r for r in table.rows if r["name"] == "redis-py LPUSH+RPOP round trips")
    print(f"\n   RQ as a share of that ceiling ({ceiling_row['value']:,.0f} pairs/s)")
    for row in [r for r in table.rows if r["unit"] == "jobs/s" and r["group"] != "ceiling"]:
        table.add(f"{row['name']}, share of ceiling", 100 * row["value"] / ceiling_row["value"],
                  "%", group="ceiling-share", of=row["name"])


def peer(table: Table, redis_url: str, noop_jobs: int, io_jobs: int, io_seconds: float) -> None:
    print("\n5. A peer for perspective: Huey on the same Redis (2 consumer processes)")
    os.environ["HUEY_REDIS_URL"] = redis_url  # read when huey_peer is imported, here and there
    env = {"PYTHONPATH": os.pathsep.join([str(ROOT / "tools"), os.environ.get("PYTHONPATH", "")])}
    import huey_peer  # noqa: PLC0415 (reads HUEY_REDIS_URL, set just above, on import)

    for label, count, task, args in (("no-op", noop_jobs, huey_peer.noop, ()),
                                     ("I/O-bound", io_jobs, huey_peer.sleep_for, (io_seconds,))):
        redis_client.connect(redis_url).flushdb()
        results = [task(*args) for _ in range(count)]
        workers = 2 if label == "no-op" else 20
        consumer = processes.start_process(
            [sys.executable, "-m", "huey.bin.huey_consumer", "huey_peer.huey", "-k", "process",
             "-w", str(workers), "-q", "-d", "0.01", "-m", "0.01"], name="huey", env=env)
        try:
            started = time.perf_counter()
            for result in results:
                result.get(blocking=True, timeout=300)
            elapsed = time.perf_counter() - started
        finally:
            consumer.stop()
        if label == "no-op":
            table.add(f"huey no-op, {workers} processes", count / elapsed, "jobs/s", group="peer",
                      jobs=count, processes=workers, compare_to="no-op: pool-simple x2")
        else:
            table.add(f"huey I/O-bound, {workers} processes, seconds", elapsed, "s",
                      group="peer", jobs=count, job_seconds=io_seconds, processes=workers)


def beyond(table: Table, redis_url: str, cost: scaling.Cost, jobs_each: int,
           workdir: Path) -> None:
    print("\n6. Beyond one machine (notebook 09)")
    for wait in (False, True):
        label = "WAIT 1" if wait else "async"
        with failover.replicated_redis(workdir / f"sentinel-{label}") as setup:
            host = hosts.Host(f"worker-{'wait' if wait else 'async'}", workdir / "hosts")
            run = failover.failover_run(setup, host, wait=wait)
        common = dict(group="failover", wait=wait, acknowledged=run.acknowledged)
        table.add(f"failover ({label}): seconds until enqueues work", run.seconds_to_recover,
                  "s", **common)
        table.add(f"failover ({label}): acknowledged jobs lost", run.lost, "jobs", **common)
        table.add(f"failover ({label}): jobs run twice", run.duplicated, "jobs", **common)
        table.add(f"failover ({label}): ran though reported failed", run.ran_unacknowledged,
                  "jobs", **common)
    table.add("Redis CPU per enqueued job", cost.cpu_us_per_enqueue, "µs", group="redis-ceiling")
    table.add("Redis CPU per processed job", cost.cpu_us_per_processed, "µs",
              group="redis-ceiling")
    table.add("Redis ceiling, derived (one core)", cost.ceiling_jobs_per_second, "jobs/s",
              group="redis-ceiling", **cost.as_dict())
    steps = scaling.measured_ceiling(redis_url, (1, 2, 4), jobs_each)
    top = max(steps, key=lambda step: step["jobs_per_second"])
    table.add(f"measured: best of 1-4 workers (x{top['processes']})", top["jobs_per_second"],
              "jobs/s", group="redis-ceiling", steps=steps,
              redis_cpu_share=round(top["redis_cpu_share"], 3))
    with redis_runner.redis_server(persistence="none") as second:
        one = scaling.sharded_run([redis_url], workdir / "one.txt", jobs_each,
                                  workers_per_shard=2)
        two = scaling.sharded_run([redis_url, second.url], workdir / "two.txt", jobs_each)
    for run in (one, two):
        assert run.ran == run.jobs and run.ran_twice == 0, f"sharding lost or doubled: {run}"
    table.add("1 Redis, 2 SimpleWorkers", one.jobs_per_second, "jobs/s", group="shards",
              shards=1, jobs=one.jobs)
    table.add("2 Redis shards, 1 SimpleWorker each", two.jobs_per_second, "jobs/s",
              group="shards", shards=2, jobs=two.jobs, compare_to="1 Redis, 2 SimpleWorkers")


def production(table: Table, redis_url: str, requests: int, takes: int) -> None:
    print(f"\n7. Notebook 10: the outbox's cost per signup ({requests} signups a mode), and the "
          f"shared limiter's per send ({takes:,} takes)")
    workdir = Path(tempfile.mkdtemp(prefix="bench-outbox-"))
    env = {"REDIS_URL": redis_url, "DATABASE": str(workdir / "db.sqlite"),
           "OUTBOX_DIR": str(workdir / "outbox"), "MAIL_DELAY_SECONDS": "0",
           "FOLLOWUP_DELAY_SECONDS": "0", "MAIL_BACKEND": "outbox"}
    redis_client.connect(redis_url).flushdb()
    try:
        results = {}
        for mode in ("queued", "relayed"):  # no worker, no relay: the request's own cost
            with services.web_server({**env, "MAIL_DELIVERY": mode}) as base:
                measure.signup_latencies(base, 3, f"warmup-{mode}-")
                results[mode] = measure.signup_latencies(base, requests, f"{mode}-")
        for mode in ("queued", "relayed"):
            table.add(f"signup p50, {mode} (no mail delay)",
                      measure.percentile(results[mode], 50) * 1000, "ms", group="outbox",
                      requests=requests,
                      **({"compare_to": "signup p50, queued (no mail delay)"}
                         if mode == "relayed" else {}))
        table.add("outbox cost per signup (relayed minus queued p50)",
                  (measure.percentile(results["relayed"], 50)
                   - measure.percentile(results["queued"], 50)) * 1000, "ms",
                  group="outbox", computed=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    conn = redis_client.connect(redis_url)
    started = time.perf_counter()
    for _ in range(takes):  # a rate no send waits for: the cost of asking, not of waiting
        ratelimit.take(conn, "bench-bucket", 1e9, 1_000_000)
    table.add("limiter take() per send", (time.perf_counter() - started) / takes * 1000, "ms",
              group="limiter", takes=takes)
    started = time.perf_counter()
    for _ in range(takes):
        conn.ping()
    table.add("one Redis round trip (PING), for scale",
              (time.perf_counter() - started) / takes * 1000, "ms", group="limiter",
              takes=takes)


def chart(rows: list[dict], path: Path) -> None:
    noop = [r for r in rows if r["group"] == "noop"]
    io = [r for r in rows if r["group"] == "io"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    left.barh([r["name"].removeprefix("no-op: ") for r in noop], [r["value"] for r in noop],
              color="#2a9d8f")
    left.set_xlabel("no-op jobs per second")
    left.set_title("Throughput by worker setup")
    left.invert_yaxis()
    for setup, color in (("fork", "#e76f51"), ("simple", "#264653")):
        line = [r for r in io if r["setup"] == setup]
        right.plot([r["processes"] for r in line], [r["value"] for r in line], "o-",
                   color=color, label=f"{setup} workers")
    right.legend()
    right.set_xlabel("worker processes")
    right.set_ylabel("seconds to drain")
    right.set_title(f"{io[0]['jobs']} I/O-bound jobs of {io[0]['job_seconds']} s")
    right.set_xscale("log")
    ticks = sorted({r["processes"] for r in io})
    right.set_xticks(ticks, [str(t) for t in ticks])
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sizes = parser.add_mutually_exclusive_group()
    sizes.add_argument("--quick", action="store_true", help="fewer jobs still: a smoke test")
    sizes.add_argument("--full", action="store_true", help="medians of 3 rounds, more jobs")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    quick = args.quick
    # Full size only where size teaches something: the I/O-bound drain keeps 200 jobs in every
    # mode but the smoke test (a 20-worker speed-up needs jobs enough for 20 workers).
    size = "quick" if quick else "full" if args.full else "default"
    settings = {
        "quick": dict(requests=10, noop_jobs=300, io_jobs=40, rounds=1, enqueue=2000,
                      io_workers=[1, 4, 20], beyond_jobs=500),
        "default": dict(requests=20, noop_jobs=1000, io_jobs=200, rounds=1, enqueue=5000,
                        io_workers=[1, 20], beyond_jobs=1000),
        "full": dict(requests=50, noop_jobs=2000, io_jobs=200, rounds=3, enqueue=10_000,
                     io_workers=[1, 2, 4, 8, 20], beyond_jobs=2000),
    }[size]
    started = time.perf_counter()
    machine = {"python": platform.python_version(), "platform": platform.platform(),
               "cpus": os.cpu_count(), "redis_server": redis_runner.find_redis_server()}
    print(f"Benchmark on {machine['platform']}, {machine['cpus']} CPUs, Python "
          f"{machine['python']} ({size} size)")
    table = Table()
    with redis_runner.redis_server(persistence="none") as server:
        machine["redis_version"] = server.client().info("server")["redis_version"]
        async_benefit(table, server.url, settings["requests"], 1.0)
        enqueue_rates(table, server.url, settings["enqueue"], settings["rounds"])
        processing(table, server.url, settings["noop_jobs"], settings["io_jobs"],
                   settings["rounds"], 0.1, settings["io_workers"])
        cost = ceiling(table, server.url, server.port, settings["beyond_jobs"])
        ceiling_fractions(table)
        peer(table, server.url, settings["noop_jobs"], settings["io_jobs"], 0.1)
        workdir = Path(tempfile.mkdtemp(prefix="workbook-bench-"))
        try:
            beyond(table, server.url, cost, settings["beyond_jobs"], workdir)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        production(table, server.url, max(settings["requests"], 50), settings["enqueue"] // 2)
    args.out.mkdir(parents=True, exist_ok=True)
    record = {"machine": machine, "when": datetime.now(UTC).isoformat(timespec="seconds"),
              "quick": quick, "size": size, "settings": settings,
              "seconds": round(time.perf_counter() - started, 1), "rows": table.rows}
    (args.out / "results.json").write_text(json.dumps(record, indent=2) + "\n")
    chart(table.rows, args.out / "throughput.png")
    print(f"\nWrote {args.out / 'results.json'} and throughput.png "
          f"in {record['seconds']:.0f} s.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
