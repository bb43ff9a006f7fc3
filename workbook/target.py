"""Where the student's code is: the one place that reads ``WORKBOOK_TARGET``.

``exercises`` (a student's own work, the default), ``solutions`` (CI's solved run) or the
path of any folder of exercise modules (a mutant, a student's copy). The pytest option
``--target``, ``check()``, the notebook's "your code" cells and the workers they start all ask
here, so they cannot disagree about which folder a student's functions come from. Only the
standard library is imported: the pytest plugin and ``check()`` load this before anything else.
"""

from __future__ import annotations

import os
from pathlib import Path

from workbook import PROJECT_ROOT

#: The environment variable that names the target; a notebook kernel and its workers inherit it.
VARIABLE = "WORKBOOK_TARGET"
#: The targets given by name: folders of the project itself.
NAMED = ("exercises", "solutions")


def target_name() -> str:
    """The target this process was given: ``WORKBOOK_TARGET``, else ``exercises``."""
    return os.environ.get(VARIABLE, "exercises")


def exercise_folder(target: str | None = None) -> Path:
    """The folder the exercise modules come from, for ``target`` (default: :func:`target_name`)."""
    target = target_name() if target is None else target
    return PROJECT_ROOT / target if target in NAMED else Path(target).resolve()
