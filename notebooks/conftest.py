"""Make ``pytest notebooks/`` strict nbval with this project's settings, however it is typed.

``pytest notebooks/``, ``pytest --nbval notebooks/`` and ``make test`` all run the same check:
strict output comparison (``--nbval-lax`` is respected if asked for), the kernel of the
environment pytest runs in (``--nbval-current-env``: a user-level ``python3`` kernelspec can
point at another interpreter), and the sanitize file beside this one.
"""

from __future__ import annotations

from pathlib import Path

SANITIZE = Path(__file__).resolve().parent / "sanitize.cfg"


def pytest_configure(config):
    option = config.option
    if not option.nbval_lax:
        option.nbval = True
    option.nbval_current_env = True
    if not option.nbval_sanitize_with:
        option.nbval_sanitize_with = str(SANITIZE)
