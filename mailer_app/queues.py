"""The queues, their priority order, and the one way to build them from ``REDIS_URL``.

Everything that talks to RQ (the app, workers, the scheduler, ``rq cron``, the dashboard,
notebooks, tests) builds its queues here, so all of it uses the JSON serializer and the
allowlisting job class. A worker started with a different serializer cannot read these jobs.
"""

from __future__ import annotations

from typing import Any

import redis
from rq import Queue
from rq.job import Job
from rq.serializers import JSONSerializer

from mailer_app import registry, tracing
from mailer_app.config import load_settings
from mailer_app.redis_client import connect

#: Highest priority first: a worker listening on all of them always empties ``high`` first.
QUEUE_NAMES = ["high", "default", "mailers", "low"]

#: What workers get on their command line (``--serializer`` / ``--job-class``).
SERIALIZER = "rq.serializers.JSONSerializer"
JOB_CLASS = "mailer_app.queues.AllowlistJob"

#: The callbacks RQ resolves by name when a job ends (``on_success=`` and friends).
CALLBACK_KINDS = ("success", "failure", "stopped")


class JobRefused(ValueError):
    """A job was refused before it could reach Redis or a worker."""


def check_json_arguments(value: Any, where: str = "arguments") -> None:
    """Refuse anything but str, int, float, bool, None, lists and str-keyed dicts."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return
    if isinstance(value, list):
        for index, item in enumerate(value):
            check_json_arguments(item, f"{where}[{index}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise JobRefused(
                    f"Job {where} has the key {key!r} ({type(key).__name__}); JSON object keys "
                    "must be strings."
                )
            check_json_arguments(item, f"{where}[{key!r}]")
        return
    kind = type(value).__name__
    hint = {
        "datetime": "pass an ISO 8601 string (dt.isoformat()) and parse it inside the job",
        "date": "pass an ISO 8601 string (d.isoformat()) and parse it inside the job",
        "tuple": "pass a list instead",
        "set": "pass a sorted list instead",
        "Decimal": "pass a string and build the Decimal inside the job",
        "bytes": "pass text, or store the bytes somewhere and pass their key",
    }.get(kind, "pass an id and look the object up inside the job")
    raise JobRefused(
        f"Job {where} is a {kind}, but job arguments must be simple JSON types (str, int, "
        f"float, bool, None, list, dict): {hint}."
    )


def _defined_in_main(name: str) -> JobRefused:
    return JobRefused(
        f"{name} is defined in the notebook (__main__), which a worker cannot import. Put the "
        "job in a module (mailer_app/jobs.py, or your exercise module), register it with "
        "@job_function, and import it from there."
    )


def _not_a_job(func_name: str, what: str = "a job function") -> JobRefused:
    return JobRefused(
        f"{func_name!r} is not {what} of this project: a worker runs only functions registered "
        "with @job_function (from mailer_app.registry) in mailer_app/jobs.py or in a module "
        "its JOB_MODULES setting names (the rule is in mailer_app/registry.py)."
    )


class AllowlistJob(Job):
    """A job that runs only registered job functions (see :mod:`mailer_app.registry`).

    Checked twice: when the job is created (so the app gets a clear error at enqueue time)
    and when a worker resolves the function or a callback (so a job or callback planted in
    Redis by someone else is refused before anything is imported). A refused job runs no
    callback at all: RQ would otherwise call its failure callback after the refusal.
    """

    _refused = False
    #: The modules whose registered functions this job class runs (rule 1 of the registry),
    #: besides those the worker's ``JOB_MODULES`` setting names.
    job_modules: tuple[str, ...] = registry.JOB_MODULES
    #: Rule 2 of the registry (any public function defined in an exercise module): off here.
    student_modules = False

    @classmethod
    def admitted_modules(cls) -> tuple[str, ...]:
        """This class's job modules, those ``JOB_MODULES`` names, and ``MAIL_DELIVERY``'s.

        All three are this process's own configuration, never a job's: a web app whose
        ``MAIL_DELIVERY`` is ``ex03a_enqueue:enqueue_welcome`` may enqueue that module's
        registered job, and a worker runs it once its ``JOB_MODULES`` names the module.
        """
        settings = load_settings()
        extra = registry.configured_modules(settings["JOB_MODULES"])
        delivery = settings["MAIL_DELIVERY"].partition(":")
        mail_module = (delivery[0],) if delivery[1] else ()
        return tuple(dict.fromkeys((*cls.job_modules, *extra, *mail_module)))

    @classmethod
    def create(cls, func, args=None, kwargs=None, **options):
        job = super().create(func, args=args, kwargs=kwargs, **options)
        if job._instance is not None:
            raise JobRefused("Bound methods cannot be jobs; use a module-level function.")
        func_name = job._func_name
        if func_name.startswith("__main__."):
            raise _defined_in_main(func_name.removeprefix("__main__."))
        modules, students = cls.admitted_modules(), cls.student_modules
        if registry.names_nothing(func_name, modules):
            pass  # a typo: it fails in the worker as "Invalid attribute name" (notebook 04)
        elif not registry.is_allowed_name(func_name, modules, students) or (
                callable(func)
                and not registry.is_allowed_function(func_name, func, modules, students)):
            raise _not_a_job(func_name)
        for kind in CALLBACK_KINDS:
            name = getattr(job, f"_{kind}_callback_name")
            if name and name.startswith("__main__."):
                raise _defined_in_main(name.removeprefix("__main__."))
            if name and not registry.is_allowed_name(name, modules, students):
                raise _not_a_job(name, f"an allowed {kind} callback")
        check_json_arguments(list(args or ()), "argument")
        check_json_arguments(dict(kwargs or {}), "keyword argument")
        carrier = tracing.inject()  # the worker's job span continues this trace (JSON strings)
        if carrier:
            job.meta = {**job.meta, "trace": carrier}
        return job

    def perform(self):
        with tracing.job_span(self):
            return super().perform()

    @property
    def func(self):
        func_name, modules, students = self.func_name, self.admitted_modules(), self.student_modules
        if registry.names_nothing(func_name, modules):
            self._refused = True
            return super().func  # raises RQ's "Invalid attribute name"
        if not registry.is_allowed_name(func_name, modules, students):
            self._refused = True
            raise JobRefused(
                f"Refusing to run {func_name!r}: not one of the jobs {type(self).__name__} admits.")
        func = super().func
        if not registry.is_allowed_function(func_name, func, modules, students):
            self._refused = True
            raise JobRefused(f"Refusing to run {func_name!r}: it is not defined in "
                             f"{func_name.rpartition('.')[0]} as a job.")
        return func

    def _checked_callback(self, kind: str):
        name = getattr(self, f"_{kind}_callback_name")
        if self._refused or not name:
            return None
        modules, students = self.admitted_modules(), self.student_modules
        if not registry.is_allowed_name(name, modules, students):
            raise JobRefused(f"Refusing to run the {kind} callback {name!r}: not one of the "
                             f"functions {type(self).__name__} admits.")
        callback = getattr(Job, f"{kind}_callback").fget(self)
        if not registry.is_allowed_function(name, callback, modules, students):
            raise JobRefused(f"Refusing to run the {kind} callback {name!r}: it is not "
                             f"defined in {name.rpartition('.')[0]}.")
        return callback

    @property
    def success_callback(self):
        return self._checked_callback("success")

    @property
    def failure_callback(self):
        return self._checked_callback("failure")

    @property
    def stopped_callback(self):
        return self._checked_callback("stopped")


class WorkbookQueue(Queue):
    """A queue that explains, rather than just refuses, a job defined in ``__main__``."""

    job_class = AllowlistJob

    def enqueue(self, f, *args, **kwargs):
        if not isinstance(f, str) and getattr(f, "__module__", None) == "__main__":
            raise _defined_in_main(getattr(f, "__qualname__", repr(f)))
        name = f if isinstance(f, str) else (
            f"{getattr(f, '__module__', '')}.{getattr(f, '__qualname__', f)}")
        with tracing.producer_span(f"enqueue {name}", **{"messaging.destination.name": self.name}):
            return super().enqueue(f, *args, **kwargs)


def redis_url() -> str:
    """The Redis URL from the settings (``REDIS_URL``), or the workbook's default."""
    return load_settings()["REDIS_URL"]


def get_connection(url: str | None = None) -> redis.Redis:
    """Connect to Redis (PING first); a dead server raises a one-line how-to-start error."""
    return connect(url or redis_url())


def get_queue(name: str = "default", connection: redis.Redis | None = None,
              job_class: type[AllowlistJob] = AllowlistJob, **kwargs) -> Queue:
    """Return the queue ``name`` with the JSON serializer and an allowlisting job class."""
    if name not in QUEUE_NAMES:
        raise ValueError(f"Unknown queue {name!r}; the queues are {', '.join(QUEUE_NAMES)}.")
    return WorkbookQueue(
        name,
        connection=connection or get_connection(),
        serializer=JSONSerializer,
        job_class=job_class,
        **kwargs,
    )


def all_queues(connection: redis.Redis | None = None) -> list[Queue]:
    """Every queue, highest priority first."""
    connection = connection or get_connection()
    return [get_queue(name, connection) for name in QUEUE_NAMES]
