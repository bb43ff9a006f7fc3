"""Child processes the workbook starts, their logs, and the one way to stop them: by PID.

Every process is started in a session of its own with its output in a log file, and is
stopped politely (SIGTERM), then firmly (SIGKILL), together with everything it started, found
with ``psutil``. Nothing is ever killed by name.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil

from workbook import PROJECT_ROOT


def wait_until(predicate: Callable[[], object], timeout: float, interval: float = 0.05,
               progress: Callable[[float], object] | None = None,
               what: str = "the condition") -> float:
    """Wait until ``predicate()`` is true; return the seconds waited (TimeoutError after).

    ``predicate`` may raise to give up early (a process that died while we waited);
    ``progress(elapsed)`` is called between tries, for a progress bar.
    """
    started = time.monotonic()
    while not predicate():
        elapsed = time.monotonic() - started
        if progress is not None:
            progress(elapsed)
        if elapsed > timeout:
            raise TimeoutError(f"{what} did not happen within {timeout:g} s")
        time.sleep(interval)
    return time.monotonic() - started


def _ephemeral_ports_start() -> int:
    """The first port the OS hands out for outgoing connections and for a bind to port 0."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    return 32768  # Linux's default; macOS and Windows start higher, at 49152


_pick = random.SystemRandom()  # not the random module: a notebook may seed that


def free_port(highest: int = 65535) -> int:
    """Return a TCP port on loopback that nothing listens on right now, ``highest`` at most.

    Picked at random below the ephemeral range, not by binding to port 0: port 0 hands out an
    ephemeral port, the range every outgoing connection (a Redis client, a browser) and every
    Jupyter kernel also draws from, so the port could be taken again before our server binds
    it. What is left is another process picking the same port at the same moment, which
    :func:`start_on_free_port` answers by trying another.
    """
    top = min(highest, _ephemeral_ports_start() - 1)
    for _ in range(200):
        port = _pick.randint(min(15000, top - 1000), top)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise RuntimeError(f"no free port at or below {top} after 200 tries")


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    """Whether something accepts TCP connections on ``host:port``."""
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.2):
        return True
    return False


# Resolved here, in the parent: the child between fork and exec may only call this, not import
# or load anything (a Jupyter kernel has threads, and an import lock held by one of them at
# fork time would deadlock the child).
_libc_name = ctypes.util.find_library("c") if sys.platform.startswith("linux") else None
_prctl = ctypes.CDLL(_libc_name, use_errno=True).prctl if _libc_name else None
_PR_SET_PDEATHSIG = 1


def _default_signals() -> None:
    """In the child: Ctrl+C and Ctrl+\\ do what they normally do, whoever started us.

    A command started in the background by a shell without job control (``make test &`` in a
    script, many CI runners) ignores SIGINT and SIGQUIT, and passes that on to every process
    below it: a JupyterLab started from there gives its terminals' programs a Ctrl+C that does
    nothing (Python installs its KeyboardInterrupt handler only where SIGINT is not ignored).
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGQUIT, signal.SIG_DFL)


def _die_with_parent() -> None:
    """In the child: default signals, and ask Linux to SIGTERM us if our starter dies.

    A safety net for a notebook kernel or a test run killed with SIGKILL, whose clean-up code
    never runs; elsewhere the clean-up code (stop by PID) is all there is.
    """
    _default_signals()
    if _prctl is not None:
        _prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def child_env(env: dict | None, inherit: bool = True) -> dict:
    """The environment for a child process: ours, plus ``env``, plus the project on PYTHONPATH.

    ``inherit=False`` gives exactly ``env``: a process on another "host" shares nothing.
    """
    if not inherit:
        return dict(env or {})
    merged = dict(os.environ)
    merged.update(env or {})
    paths = [str(PROJECT_ROOT)] + [p for p in merged.get("PYTHONPATH", "").split(os.pathsep) if p]
    merged["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    merged.setdefault("PYTHONUNBUFFERED", "1")
    return merged


def kill_tree(pids: Sequence[int], timeout: float = 5) -> None:
    """SIGKILL every process in ``pids`` that still runs, and wait for each to go."""
    procs = []
    for pid in dict.fromkeys(pids):
        with contextlib.suppress(psutil.Error):
            proc = psutil.Process(pid)
            proc.kill()
            procs.append(proc)
    psutil.wait_procs(procs, timeout=timeout)


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
        try:
            return [child.pid for child in psutil.Process(self.pid).children(recursive=True)]
        except psutil.Error:
            return []

    def kill_all(self) -> None:
        """SIGKILL the process and everything it started, by PID: a machine losing power."""
        doomed = self.descendants()
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        kill_tree(doomed)
        self.process.wait()

    def stop(self, timeout: float = 15) -> int | None:
        """Ask politely (SIGTERM: a warm shutdown for rq), then SIGKILL whatever is left.

        An rq work-horse runs in a process group of its own, so the leftovers are found by
        PID (the descendants seen before stopping), not by process group.
        """
        doomed = self.descendants()
        if self.running():
            self.process.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout)
        if self.running():
            doomed += self.descendants()
            self.process.kill()
        self.process.wait()
        kill_tree(doomed)
        return self.process.returncode


def start_process(
    cmd: Sequence[str], *, name: str, env: dict | None = None, log_dir=None, cwd=None,
    inherit_env: bool = True, outlives_us: bool = False,
) -> ManagedProcess:
    """Start ``cmd`` in its own session, logging to a file; stop it with ``.stop()``.

    It dies with the process that started it, unless ``outlives_us``: the workbook's own Redis
    (``make redis``) must keep running after the command that started it has exited, and
    ``make stop`` ends it by the PID recorded for it.
    """
    log_dir = Path(log_dir or tempfile.mkdtemp(prefix=f"workbook-{name}-"))
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{name}.log"
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            list(cmd), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env=child_env(env, inherit_env), cwd=cwd or PROJECT_ROOT, start_new_session=True,
            preexec_fn=_default_signals if outlives_us else _die_with_parent,
        )
    return ManagedProcess(process, log_path, name)


def listens_on(process: ManagedProcess, port: int) -> bool:
    """Whether ``process``, or a process it started, is the one listening on TCP ``port``."""
    try:
        procs = [psutil.Process(process.pid)]
        procs += procs[0].children(recursive=True)
    except psutil.Error:
        return False
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            if any(conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == port
                   for conn in proc.net_connections(kind="tcp")):
                return True
    return False


def start_on_free_port(start: Callable[[int], ManagedProcess], *, what: str,
                       timeout: float = 30, port: int | None = None, tries: int = 5,
                       log: Callable[[ManagedProcess], str] | None = None,
                       ) -> tuple[ManagedProcess, int]:
    """Run ``start(port)`` and wait until that process listens on ``port``; return both.

    Another process can take a free port between :func:`free_port` and the server's own bind.
    So the wait asks the OS which process holds the listening socket (something else answering
    on the port is not our server), and a server that exits with "Address already in use" is
    started again on another port, up to ``tries`` times. A ``port`` given is used as it is.
    ``log`` reads what the server said, where that is not its own output (redis-server's
    ``--logfile``).
    """
    for _ in range(1 if port else tries):
        chosen = port or free_port()
        process = start(chosen)
        try:
            wait_until(lambda: not process.running() or listens_on(process, chosen), timeout,
                       what=f"{what} listening on port {chosen}")
        except BaseException:
            process.stop()
            raise
        if process.running():
            return process, chosen
        said = (log or ManagedProcess.log)(process)
        if port or "in use" not in said.lower():
            raise RuntimeError(f"{what} exited with {process.process.returncode}:\n{said[-3000:]}")
    raise RuntimeError(f"{what} found no free port in {tries} tries:\n{said[-3000:]}")
