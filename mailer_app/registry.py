"""Which functions a worker may run: the jobs this app registers, and the student's own modules.

A job in Redis is only a name and its arguments, and anyone who can write to Redis can write
one. So the name is checked against this rule when a job is enqueued, again when a worker is
about to run it, and for each callback name (``on_success``, ``on_failure``, ``on_stopped``),
which RQ resolves by name when the job ends:

1. A function registered with :func:`job_function`: the app's jobs in ``mailer_app/jobs.py``,
   by their full name ``module.function``. Nothing else in ``mailer_app`` is a job.
2. A public function *defined* in a student module: ``playground`` (yours, beside the
   notebooks, for experiments) or an exercise module ``exNNx_name`` (``ex03a_enqueue``, also as
   ``exercises.ex03a_enqueue`` or ``solutions.ex03a_enqueue``). These hold the student's own
   jobs, run by their own worker. The name must be ``module.function``: no ``_private`` names,
   no ``module.object.attribute`` paths, and a name the module imported from elsewhere
   (``ex03a_enqueue.load_settings``) is refused once the worker sees where it was defined.

Anything else is refused before it is imported. A name that does not exist at all in
``mailer_app.jobs`` (a typo, or a worker running older code) names nothing that could run: it
is left to fail in the worker as RQ fails it, ``Invalid attribute name``.

Rule 1 counts a registered function only in the modules the checker names: the app's job class
names ``mailer_app.jobs`` alone. The workbook's demo jobs (``workbook.demo_jobs``: ``add``,
``sleep_for`` and the like) are registered too, but only the workbook's own job class names
their module, so the app's worker (``make worker``) refuses them even in a process that
imported them.
"""

from __future__ import annotations

import importlib
import inspect
import re
import sys
from collections.abc import Callable
from typing import TypeVar

F = TypeVar("F", bound=Callable)

#: Every registered job function, by its full name (``mailer_app.jobs.send_welcome_email``).
JOBS: dict[str, Callable] = {}
#: The modules whose import registers the app's jobs (imported before any name is checked).
JOB_MODULES = ("mailer_app.jobs",)
#: Rule 2: the student's modules, by the name a worker imports them under.
STUDENT_MODULE = re.compile(r"^(?:playground|(?:(?:exercises|solutions)\.)?ex\d\d[a-z]?_\w+)$")


def job_function(func: F) -> F:
    """Register ``func`` as a job workers may run (rule 1)."""
    JOBS[f"{func.__module__}.{func.__qualname__}"] = func
    return func


def _load_jobs(modules: tuple[str, ...]) -> None:
    for module in modules:
        importlib.import_module(module)


def is_registered(func_name: str | None, modules: tuple[str, ...] = JOB_MODULES) -> bool:
    """Whether ``func_name`` is a job registered with :func:`job_function` in one of ``modules``."""
    _load_jobs(modules)
    return func_name in JOBS and func_name.rpartition(".")[0] in modules


def is_student_function_name(func_name: str | None) -> bool:
    """Whether ``func_name`` is ``<student module>.<public name>`` (rule 2, by name)."""
    module, _, name = (func_name or "").rpartition(".")
    return (bool(STUDENT_MODULE.match(module)) and name.isidentifier()
            and not name.startswith("_"))


def is_allowed_name(func_name: str | None, modules: tuple[str, ...] = JOB_MODULES) -> bool:
    """Whether ``func_name`` passes the rule by its name alone (checked before any import)."""
    return is_registered(func_name, modules) or is_student_function_name(func_name)


def names_nothing(func_name: str | None, modules: tuple[str, ...] = JOB_MODULES) -> bool:
    """Whether ``func_name`` is ``<one of modules>.<name>`` with no such attribute at all."""
    _load_jobs(modules)
    module, _, name = (func_name or "").rpartition(".")
    return module in modules and not hasattr(sys.modules[module], name)


def is_allowed_function(func_name: str | None, func: object,
                        modules: tuple[str, ...] = JOB_MODULES) -> bool:
    """Whether the imported ``func`` is what ``func_name`` promised: registered or defined there.

    A student module's name must lead to a plain function defined in that very module.
    """
    if is_registered(func_name, modules):
        return JOBS[func_name] is func
    module = (func_name or "").rpartition(".")[0]
    return (is_student_function_name(func_name) and inspect.isfunction(func)
            and func.__module__ == module)
