"""``python -m workbook ...``: what ``make redis``, ``worker``, ``cron`` and ``relay`` run.

``worker``, ``cron`` and ``relay`` print the command :mod:`workbook.services` builds (the
one the notebooks start and print), then become it (``exec``), so Ctrl+C reaches the process
itself; ``--print`` only prints it. ``REDIS_URL`` comes from the environment, else
``mailer_app.config``'s default.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Sequence

from mailer_app.config import load_settings
from mailer_app.queues import JOB_CLASS
from mailer_app.redis_client import RedisUnavailable, connect, redact
from workbook.redis_runner import find_redis_server, workbook_redis_start, workbook_redis_stop
from workbook.services import as_typed, cron_command, relay_command, url_env, worker_command

USAGE = ("usage: python -m workbook redis-start|redis-stop|where|check|worker [--print]"
         "|cron [--print]|relay [--print]")


#: The app's own processes, each built where the notebooks and tests build it. The app's worker
#: runs the app's job class: the workbook's demo jobs are refused there.
PROCESSES = {"worker": functools.partial(worker_command, job_class=JOB_CLASS),
             "cron": cron_command, "relay": relay_command}


def become(cmd: list[str], url: str, dry_run: bool) -> int:
    """Print ``cmd`` as a student types it; unless ``dry_run``, replace this process with it."""
    print(as_typed(cmd), flush=True)  # flushed: exec discards what is still buffered
    env = url_env(url)
    if env:
        print(f"(with {', '.join(env)}={redact(url)} in the environment: a password stays off "
              "the command line)", file=sys.stderr, flush=True)
    if dry_run:
        return 0
    os.execve(cmd[0], cmd, {**os.environ, **env})
    return 1  # not reached: execve returns only by raising


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; print one line; return the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    url = load_settings()["REDIS_URL"]
    try:
        if argv == ["redis-start"]:
            print(workbook_redis_start(url))
        elif argv == ["redis-stop"]:
            print(workbook_redis_stop())
        elif argv == ["where"]:
            print(find_redis_server())
        elif argv == ["check"]:
            connect(url)
            print(f"Redis answers at {redact(url)}")
        elif argv[:1] and argv[0] in PROCESSES and argv[1:] in ([], ["--print"]):
            return become(PROCESSES[argv[0]](url), url, dry_run=argv[1:] == ["--print"])
        else:
            print(USAGE)
            return 2
    except (FileNotFoundError, RedisUnavailable) as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
