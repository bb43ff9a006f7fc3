"""Make ``pytest notebooks/`` strict nbval with this project's settings, however it is typed.

``pytest notebooks/``, ``pytest --nbval notebooks/`` and ``make test`` all run the same check:
strict output comparison (``--nbval-lax`` is respected if asked for), the kernel of the
environment pytest runs in (``--nbval-current-env``: a user-level ``python3`` kernelspec can
point at another interpreter), the sanitize file beside this one, and
``WORKBOOK_START_PROCESSES=1``, so cells that wait for a student's terminal start it instead.
Kernels talk over Unix sockets (:mod:`workbook.kernels`): ``make test`` starts many at once, and
over TCP two of them can be handed the same port.
"""

from __future__ import annotations

import os
from pathlib import Path

import nbval.kernel

from workbook.kernels import IpcKernelManager

SANITIZE = Path(__file__).resolve().parent / "sanitize.cfg"


def pytest_configure(config):
    # nbval has no option for its kernel manager; its start_new_kernel() reads this name.
    nbval.kernel.KernelManager = IpcKernelManager
    # nbval cannot open a terminal: the notebook starts the student's processes itself.
    os.environ.setdefault("WORKBOOK_START_PROCESSES", "1")
    option = config.option
    if not option.nbval_lax:
        option.nbval = True
    option.nbval_current_env = True
    if not option.nbval_sanitize_with:
        option.nbval_sanitize_with = str(SANITIZE)
