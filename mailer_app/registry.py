"""Which functions a worker may run: the jobs registered in the modules it is told about.

A job in Redis is only a name and its arguments, and anyone who can write to Redis can write
one. So the name is checked against this rule when a job is enqueued, again when a worker is
about to run it, and for each callback name (``on_success``, ``on_failure``, ``on_stopped``),
which RQ resolves by name when the job ends:

1. A function registered with :func:`job_function` in one of the job class's modules, by its
   full name ``module.function``: for the app's worker (``make worker``) the app's jobs in
   ``mailer_app/jobs.py``, plus the modules the worker's own ``JOB_MODULES`` setting names
   (notebook 03 adds the student's ``ex03a_enqueue``, whose job is registered as the app's
   are). The registration is the allowlist: nothing else in those modules is a job, and no
   other module is even imported.
2. Only for the workbook's demo worker (``workbook.demo_jobs.WorkbookJob``, the notebooks' own
   workers): also any public function *defined* in an exercise module ``exNNx_name``
   (``ex05a_route``, also as ``exercises.ex05a_route`` or ``solutions.ex05a_route``) or in a
   ``playground`` module (notebook 08's deploy demo). The
   name must be ``module.function``: no ``_private`` names, no ``module.object.attribute``
   paths, and a name the module imported from elsewhere is refused once the worker sees where
   it was defined.

Anything else is refused before its module is imported: the standard library, the rest of
``mailer_app``, the solutions. A name that does not exist at all in a job module (a typo, or a
worker running older code) names nothing that could run: it is left to fail in the worker as
RQ fails it, ``Invalid attribute name``.

The modules come from the job class and the worker's environment, never from a job. The
workbook's demo jobs (``workbook.demo_jobs``: ``add``, ``sleep_for`` and the like) are
registered too, but only the workbook's own job class names their module, so the app's worker
refuses them even in a process that imported them.
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
#: Rule 2 (the demo worker's only): exercise modules, by the name a worker imports them under.
STUDENT_MODULE = re.compile(r"^(?:playground|(?:(?:exercises|solutions)\.)?ex\d\d[a-z]?_\w+)$")


def configured_modules(value: str) -> tuple[str, ...]:
    """The module names of a ``JOB_MODULES`` setting (``"ex03a_enqueue, more_jobs"``)."""
    names = tuple(name.strip() for name in value.split(",") if name.strip())
    for name in names:
        if not re.fullmatch(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*", name):
            raise ValueError(f"JOB_MODULES names modules (a.b, comma-separated), not {name!r}")
    return names


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


def is_allowed_name(func_name: str | None, modules: tuple[str, ...] = JOB_MODULES,
                    student_modules: bool = False) -> bool:
    """Whether ``func_name`` passes the rule by its name alone (checked before its import).

    ``student_modules`` adds rule 2 (the workbook's demo worker).
    """
    return is_registered(func_name, modules) or (
        student_modules and is_student_function_name(func_name))


def names_nothing(func_name: str | None, modules: tuple[str, ...] = JOB_MODULES) -> bool:
    """Whether ``func_name`` is ``<one of modules>.<name>`` with no such attribute at all."""
    _load_jobs(modules)
    module, _, name = (func_name or "").rpartition(".")
    return module in modules and not hasattr(sys.modules[module], name)


def is_allowed_function(func_name: str | None, func: object,
                        modules: tuple[str, ...] = JOB_MODULES,
                        student_modules: bool = False) -> bool:
    """Whether the imported ``func`` is what ``func_name`` promised: registered or defined there.

    Under rule 2, a student module's name must lead to a plain function defined in that module.
    """
    if is_registered(func_name, modules):
        return JOBS[func_name] is func
    module = (func_name or "").rpartition(".")[0]
    return (student_modules and is_student_function_name(func_name)
            and inspect.isfunction(func) and func.__module__ == module)
