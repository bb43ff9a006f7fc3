"""The peer queue for ``make bench``: the same no-op and I/O-bound jobs, through Huey.

They mirror ``noop`` and ``sleep_for`` of :mod:`workbook.demo_jobs`, which RQ runs in the
benchmark.

The consumer imports this module (``huey_consumer huey_peer.huey``), so it reads the Redis URL
from ``HUEY_REDIS_URL``, set by tools/bench.py to its own throwaway server.
"""

import os
import time

from huey import RedisHuey

huey = RedisHuey("workbook-peer", url=os.environ.get("HUEY_REDIS_URL", "redis://127.0.0.1:6379/0"))


@huey.task()
def noop():
    return 1  # Huey does not store None results, and the benchmark waits for each result


@huey.task()
def sleep_for(seconds):
    time.sleep(seconds)
    return seconds
