"""Redis Sentinel failover, measured with real processes.

A primary, one replica and three Sentinels (the same ``redis-server`` binary in its replica
and sentinel modes) on loopback. The app finds the primary with redis-py's ``Sentinel``; the
workers with RQ's ``SENTINEL`` setting (``rq worker -c <settings module>``).
:func:`failover_run` kills the primary with SIGKILL while jobs are enqueued and processed, and
counts what that cost: seconds without enqueues, jobs lost, jobs run twice. The jobs are the
workbook's ``note_run`` (:mod:`workbook.demo_jobs`), run by a worker of the workbook's job class.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import redis
from redis.sentinel import MasterNotFoundError, Sentinel

from mailer_app.redis_client import SENTINEL_SCHEME, client_for
from workbook.demo_jobs import get_queue, note_run
from workbook.hosts import Host
from workbook.processes import ManagedProcess, wait_until
from workbook.redis_runner import RedisServer, start_redis, start_sentinel

MASTER = "mailer"
#: How long the Sentinels wait for an answer before they call the primary down.
DOWN_AFTER_MS = 1000


@dataclass
class Replicated:
    """A primary, its replica and three Sentinels; find the primary through the Sentinels."""

    primary: RedisServer
    replica: RedisServer
    sentinels: list[RedisServer]
    restarted: list[RedisServer] = field(default_factory=list)

    @property
    def addresses(self) -> list[tuple[str, int]]:
        return [("127.0.0.1", sentinel.port) for sentinel in self.sentinels]

    @property
    def url(self) -> str:
        """The app's REDIS_URL for this setup: the Sentinels, and the primary's name."""
        hosts = ",".join(f"{host}:{port}" for host, port in self.addresses)
        return f"{SENTINEL_SCHEME}://{hosts}/{MASTER}/0"

    def client(self) -> redis.Redis:
        """A client that asks the Sentinels where the primary is, again after a failure."""
        return client_for(self.url, socket_timeout=1, socket_connect_timeout=0.5)

    def primary_port(self) -> int | None:
        """The port of the primary the Sentinels name, or None while they hold it down."""
        try:
            return Sentinel(self.addresses, socket_timeout=0.5).discover_master(MASTER)[1]
        except MasterNotFoundError:
            return None

    def settings_module(self, folder: Path) -> str:
        """Write RQ's settings for ``rq worker -c``: the Sentinels, not a URL."""
        (folder / "sentinel_settings.py").write_text(
            "# rq worker -c sentinel_settings: find the primary through the Sentinels.\n"
            f"SENTINEL = {{'INSTANCES': {self.addresses!r}, 'MASTER_NAME': {MASTER!r},\n"
            "            'SOCKET_TIMEOUT': 1.0, 'DB': 0}\n")
        return "sentinel_settings"

    def restart_old_primary(self) -> None:
        """Bring the killed primary back, as a supervisor would; Sentinel makes it a replica."""
        self.restarted.append(start_redis(self.primary.directory, self.primary.port))


@contextlib.contextmanager
def replicated_redis(directory: Path | None = None) -> Iterator[Replicated]:
    """Start a primary, a replica and three Sentinels; stop all of them by PID afterwards."""
    own = directory is None
    directory = Path(directory or tempfile.mkdtemp(prefix="workbook-sentinel-"))
    # A folder an earlier run used (a notebook cell run twice) starts empty: a replica saves
    # what it synced to dump.rdb, and a new primary there would start with the old run's jobs.
    shutil.rmtree(directory, ignore_errors=True)
    started: list[RedisServer] = []
    restarted: list[RedisServer] = []  # an old primary brought back during the run
    try:
        primary = start_redis(directory / "primary")
        started.append(primary)
        replica = start_redis(directory / "replica", extra_args=[
            "--replicaof", "127.0.0.1", str(primary.port)])
        started.append(replica)
        wait_until(lambda: replica.client().info("replication")["master_link_status"] == "up",
                   20, what="the replica in sync with the primary")
        for number in range(3):
            started.append(start_sentinel(directory / f"sentinel-{number}", MASTER,
                                          primary.port, down_after_ms=DOWN_AFTER_MS))
        setup = Replicated(primary, replica, started[2:], restarted)

        def agreed() -> bool:
            # Each Sentinel knows the other two (they meet through the primary) and the replica.
            return all(len(s.client().sentinel_sentinels(MASTER)) == 2
                       and len(s.client().sentinel_slaves(MASTER)) == 1 for s in setup.sentinels)

        wait_until(agreed, 30, interval=0.2, what="the three Sentinels to find each other")
        yield setup
    finally:
        for server in [*reversed(started), *restarted]:
            server.stop()
        if own:
            shutil.rmtree(directory, ignore_errors=True)


def _wait_for_drain(conn: redis.Redis, key: str, supervise: Callable[[], object],
                    stall: float = 30) -> None:
    """Wait until the list ``key`` is empty; fail only if it stops shrinking for ``stall`` s.

    After a failover the worker reconnects with a growing back-off, and on a busy machine it
    then drains a backlog slowly: progress, not a fixed deadline, tells a stuck worker apart.
    """
    last, since = conn.llen(key), time.monotonic()
    while last:
        supervise()
        time.sleep(0.2)
        left = conn.llen(key)
        if left < last:
            last, since = left, time.monotonic()
        elif time.monotonic() - since > stall:
            raise TimeoutError(f"the worker took no job from {key} for {stall:g} s ({left} left)")


#: How long a failover run goes on enqueueing, at most, waiting for enqueues to work again.
GIVE_UP = 45.0


@dataclass
class FailoverResult:
    """What killing the primary cost, counted from the jobs' own trace file."""

    wait: bool
    acknowledged: int
    ran: int
    lost: int
    duplicated: int
    stuck: int
    ran_unacknowledged: int
    seconds_to_recover: float
    worker_restarts: int = 0


def failover_run(setup: Replicated, host: Host, *, seconds: float = 16, kill_at: float = 2,
                 restart_after: float = 2, interval: float = 0.01,
                 wait: bool = False, give_up: float = GIVE_UP) -> FailoverResult:
    """Enqueue a job every ``interval`` s and process them; SIGKILL the primary at ``kill_at``.

    ``restart_after`` seconds later, once the Sentinels have named a new primary, the old one
    comes back (a supervisor restarting it) and the Sentinels make it a replica.
    ``wait=True`` counts an enqueue as done only once the replica has it (``WAIT 1 1000``).
    Counts the jobs acknowledged to the caller, those that never ran and are nowhere (lost),
    those that ran more than once, those left in the started registry by the crash (RQ
    recovers them as abandoned once their worker's heartbeat expires) or in the list a dequeue
    moves a job to before that registry (RQ fails them after a minute), and the seconds from
    the kill until an enqueue succeeded again. Jobs that ran although the caller was told
    their enqueue failed are counted too: a caller that retries sends those emails twice.
    The worker runs under a supervisor that starts it again if it quits; its restarts count.

    It enqueues for ``seconds``, and past that until an enqueue succeeds after the kill (at
    most ``give_up`` s in all): with ``WAIT`` the recovery waits for the old primary to be made
    a replica, which Sentinel does only after that server has reported itself a primary for
    8 s, and it asks every 10 s, so recovery can take longer than ``seconds`` alone allows.
    """
    trace = host.folder / f"trace-{'wait' if wait else 'async'}.txt"
    trace.unlink(missing_ok=True)

    def start_worker() -> ManagedProcess:
        return host.worker(None, ["default"], config=setup.settings_module(host.folder),
                           worker_class="rq.worker.SimpleWorker")

    def supervise() -> None:
        # RQ 3.0's worker quits when its connection drops in the middle of a job's bookkeeping,
        # which killing the primary can do: a supervisor (systemd's Restart=always) restarts it.
        if not workers[-1].running():
            workers.append(start_worker())

    workers = [start_worker()]
    client = setup.client()
    queue = get_queue("default", client)
    acknowledged: list[str] = []
    successes: list[float] = []
    killed_at = 0.0
    try:
        started = time.monotonic()
        number = 0
        while (time.monotonic() - started < seconds or (
                not (successes and successes[-1] >= killed_at)
                and time.monotonic() - started < give_up)):
            if not killed_at and time.monotonic() - started >= kill_at:
                setup.primary.kill()
                killed_at = time.monotonic()
            if (killed_at and not setup.restarted and time.monotonic() - killed_at >= restart_after
                    and setup.primary_port() not in (None, setup.primary.port)):
                # Only once a new primary is named: an empty old primary (no persistence)
                # back in time to stay primary would wipe the replica too.
                setup.restart_old_primary()
            tag = f"{'w' if wait else 'a'}-{number}"
            try:
                queue.enqueue(note_run, trace.name, tag, job_id=tag)
                # WAIT covers this connection's writes: one thread, so the pool hands the
                # enqueue's connection back for it.
                if wait and client.wait(1, 1000) < 1:
                    raise redis.ConnectionError("no replica confirmed the write")
                acknowledged.append(tag)
                successes.append(time.monotonic())
            except (redis.ConnectionError, redis.TimeoutError, redis.ReadOnlyError):
                pass  # the app answers 503 here, and the signup is tried again
            number += 1
            supervise()
            time.sleep(interval)
        promoted = setup.client()
        _wait_for_drain(promoted, "rq:queue:default", supervise)
        time.sleep(1)  # the last job taken finishes
        wip = promoted.zrange("rq:wip:default", 0, -1)
        in_started = {member.decode().split(":")[0] for member in wip} | {
            tag.decode() for tag in promoted.lrange("rq:queue:default:intermediate", 0, -1)}
    finally:
        host.stop()
    runs = Counter(trace.read_text().split()) if trace.exists() else Counter()
    recovered = [t for t in successes if t >= killed_at]
    return FailoverResult(
        wait=wait, acknowledged=len(acknowledged), ran=len(runs),
        lost=sum(1 for tag in acknowledged if tag not in runs and tag not in in_started),
        duplicated=sum(1 for count in runs.values() if count > 1),
        stuck=sum(1 for tag in in_started if tag not in runs),
        ran_unacknowledged=len(set(runs) - set(acknowledged)),
        seconds_to_recover=round(recovered[0] - killed_at, 2) if recovered else float("inf"),
        worker_restarts=len(workers) - 1,
    )
