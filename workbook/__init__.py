"""The workbook's machinery: everything around the mailer app that is not the app.

Starting ``redis-server``, ``rq worker`` and web processes, the notebooks' ``Workbench``,
exercise checks, measurements, the live monitor and the pytest plugin live here. This package
imports :mod:`mailer_app`; the app never imports this package (a test enforces it).
"""

import sys
from pathlib import Path

#: The folder holding notebooks/, exercises/, solutions/ and tests/.
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def hint(exercise: str, level: int = 1) -> None:
    """Print one level of hint for ``exercise``: 1 the idea, 2 the API, 3 a skeleton."""
    from workbook.checks import hint as print_hint  # noqa: PLC0415 (checks imports this package)

    print_hint(exercise, level)


def _offer_hint() -> None:
    """In a notebook kernel, put ``hint`` in the student's namespace: no import to type.

    Every notebook imports something from this package in its first cells, so ``hint("03a")``
    works from there on, as every check message promises.
    """
    if "IPython" not in sys.modules:  # a worker or a script: nothing to offer
        return
    shell = sys.modules["IPython"].get_ipython()
    if shell is not None:
        shell.user_ns.setdefault("hint", hint)


_offer_hint()
