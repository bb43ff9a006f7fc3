"""Workers on other "hosts", and what each host may do in Redis (ACL users by role).

On this one machine a host is a folder holding its own deployed copy of ``mailer_app`` (as a
deploy would put it there) and of the workbook's demo jobs (``workbook/demo_jobs.py``, which its
workers' job class, :class:`~workbook.demo_jobs.WorkbookJob`, comes from), a process
environment that holds nothing of the notebook's, and a Redis URL with the host's own user.
That is all hosts share: the Redis URL.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

import redis

from workbook import PROJECT_ROOT, services
from workbook.processes import ManagedProcess, start_process

#: What a host gets of the workbook besides ``mailer_app``: the demo jobs and their job class
#: (``rq worker --job-class workbook.demo_jobs.WorkbookJob``), not the machinery.
DEPLOYED_WORKBOOK = ("__init__.py", "demo_jobs.py")

#: What each role may run in Redis, as ACL SETUSER rules, on RQ's keys and channels (and mailer:*).
#: The web app enqueues: it writes a job's hash, pushes its id, registers the queue, schedules,
#: and reads a job back for its page (the list was found by removing rules one at a time until
#: an enqueue failed). A worker takes jobs, moves them between registries, keeps its heartbeat
#: and listens for commands, and takes send tokens from the app's rate limit (``mailer:*``,
#: mailer_app/ratelimit.py). Neither may flush or reconfigure Redis. Both may run Lua: the web
#: app a script it loads itself (SCRIPT LOAD, EVALSHA), limited to its own commands and keys; a
#: worker all of @scripting. A worker may also PUBLISH on rq:pubsub:<worker>, which tells that
#: worker to shut down or kill its horse (rq/command.py).
ROLES = {
    "webapp": ["~rq:*", "resetchannels", "+ping", "+multi", "+exec", "+hset", "+hget",
               "+hgetall", "+rpush", "+sadd", "+zadd", "+exists", "+expire", "+evalsha",
               "+script|load"],
    "worker": ["~rq:*", "~mailer:*", "resetchannels", "&rq:*", "+@all", "-@dangerous"],
}


def create_role_users(admin: redis.Redis, passwords: dict[str, str]) -> dict[str, list[str]]:
    """Create one ACL user per role (``ACL SETUSER``); return each user's rules."""
    rules = {}
    for role, password in passwords.items():
        rules[role] = ["reset", "on", f">{password}", *ROLES[role]]
        admin.execute_command("ACL", "SETUSER", role, *rules[role])
    return rules


def user_url(port: int, user: str, password: str, db: int = 0) -> str:
    """The Redis URL a host gets: its own user and password, nothing else."""
    return f"redis://{user}:{password}@127.0.0.1:{port}/{db}"


@dataclass
class Host:
    """A machine of its own: a folder, a copy of the app's code and demo jobs, an environment."""

    name: str
    root: Path
    env: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.folder = Path(self.root) / self.name
        self.code = self.folder / "app"
        # A host made again under its name (a notebook cell run twice) is deployed afresh.
        shutil.rmtree(self.code, ignore_errors=True)
        shutil.copytree(PROJECT_ROOT / "mailer_app", self.code / "mailer_app",
                        ignore=shutil.ignore_patterns("__pycache__"))
        (self.code / "workbook").mkdir()
        for name in DEPLOYED_WORKBOOK:
            shutil.copy2(PROJECT_ROOT / "workbook" / name, self.code / "workbook" / name)
        # Nothing inherited: a PATH to the interpreter, this host's code, and what is given.
        self.env = {"PATH": os.path.dirname(sys.executable) + os.pathsep + "/usr/bin:/bin",
                    "HOME": str(self.folder), "PYTHONPATH": str(self.code),
                    "PYTHONUNBUFFERED": "1", "TRACE_DIR": str(self.folder), **self.env}
        self.processes: list[ManagedProcess] = []

    def edit(self, module: str, old: str, new: str) -> None:
        """Change this host's copy of a module: a deploy that differs.

        ``module`` is ``mailer_app``'s (``"jobs"`` or ``"mailer_app.jobs"``) or the demo jobs
        (``"demo_jobs"`` or ``"workbook.demo_jobs"``, where ``add`` and ``sleep_for`` live).
        """
        package, _, name = module.rpartition(".")
        packages = [package] if package else ["mailer_app", "workbook"]
        path = next((p for p in (self.code / pkg / f"{name}.py" for pkg in packages)
                     if p.is_file()), None)
        if path is None:
            raise ValueError(f"{self.name} has no module {module!r}: it holds mailer_app and "
                             "workbook.demo_jobs")
        text = path.read_text()
        if old not in text:
            raise ValueError(f"{old!r} is not in {self.name}'s {path.parent.name}/{name}.py")
        path.write_text(text.replace(old, new))

    def worker(self, redis_url: str | None, queues: list[str], config: str | None = None,
               **kwargs) -> ManagedProcess:
        """Start ``rq worker`` on this host: its folder, its code, its environment only."""
        cmd = services.worker_command(redis_url, queues, config=config, with_scheduler=False,
                                      **kwargs)
        env = {**services.url_env(None if config else redis_url), **self.env}
        process = start_process(cmd, name=f"{self.name}-worker", env=env, cwd=self.folder,
                                log_dir=self.folder / "logs", inherit_env=False)
        self.processes.append(process)
        return process

    def stop(self, timeout: float = 5) -> None:
        """Stop every process started on this host, by PID (SIGKILL after ``timeout`` s)."""
        while self.processes:
            self.processes.pop().stop(timeout)
