"""A pytest plugin for every run (tests and nbval alike): no process may outlive the session.

Enabled for the whole project by ``-p workbook.pytest_plugin`` in pyproject.toml. Anything
a test or notebook started (redis-server, rq worker, rq cron, web server) and did not stop
fails the session, and is then killed by PID so it cannot linger.
"""

from __future__ import annotations

import psutil


def leftover_processes() -> list[psutil.Process]:
    """Processes started, directly or not, by this pytest process and still running."""
    try:
        children = psutil.Process().children(recursive=True)
    except psutil.Error:
        return []
    return [p for p in children if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]


def pytest_sessionfinish(session, exitstatus):
    described = []
    for proc in leftover_processes():
        try:
            described.append(f"{proc.pid} {' '.join(proc.cmdline())[:120]}")
            proc.kill()
        except psutil.Error:
            pass
    if described:
        print("\nProcesses left running by the tests (now killed):\n  " + "\n  ".join(described))
        session.exitstatus = 1
