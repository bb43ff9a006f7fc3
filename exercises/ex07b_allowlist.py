# Generated from solutions/ex07b_allowlist.py by tools/make_exercises.py: edit the solution, then
# run `make exercises`. Your work goes where NotImplementedError is raised.
"""Exercise 07b: an allowlist for job functions.

A worker imports whatever function name a job names. If someone can write to Redis, a job
naming ``os.system`` runs a shell command. Complete ``is_allowed(func_name, modules)``:
True only if ``func_name`` is ``"<module>.<function>"`` where ``<module>`` is *exactly* one
of ``modules`` and ``<function>`` is a plain public name (letters, digits, underscores, not
starting with an underscore).

Refuse, among others: ``"os.system"``, ``"mailer_app.jobs_evil.x"`` (a prefix is not a
match), ``"mailer_app.jobs"`` (no function), ``"mailer_app.jobs._private"``,
``"mailer_app.jobs.send.__globals__"``, ``"__main__.send"``, ``""`` and ``None``.

Hint (the idea): split the name at its last dot; the module part must be exactly one of the
allowed modules, and the function part a public Python name. Notebook 07, "Security".
Stuck? ``hint("07b")`` or ``make hint EX=07b``.
"""

from __future__ import annotations

from collections.abc import Iterable


def is_allowed(func_name: str | None, modules: Iterable[str]) -> bool:
    """Whether ``func_name`` names a public function of one of ``modules``."""
    raise NotImplementedError("Exercise 07b, is_allowed: not started. Read the docstring, then hint('07b') if you need the API.")
