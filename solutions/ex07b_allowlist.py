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
    ### HINT: str.rpartition splits at the last dot; compare the module with ==/in, not startswith;
    ### HINT: str.isidentifier and a leading underscore.
    ### BEGIN SOLUTION
    if not func_name or not isinstance(func_name, str):
        return False
    module, dot, function = func_name.rpartition(".")
    if not dot or module not in set(modules):
        return False
    return function.isidentifier() and not function.startswith("_")
    ### END SOLUTION
