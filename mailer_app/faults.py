"""Fault injection for notebook 10 and the tests: a process that dies at a chosen point.

Off unless ``SIGNUP_FAULT`` or ``RELAY_FAULT`` is set (see :mod:`mailer_app.config`). A crash
is ``os._exit``: no ``finally`` block runs, no transaction is rolled back by Python, no
response is sent, exactly as when the machine loses power or the kernel kills the process.
Never set these in production; they exist so a lesson can count what such a crash costs.
"""

from __future__ import annotations

import logging
import os
from typing import Any

#: The exit status of a process that crashed on purpose (EX_SOFTWARE).
CRASH_STATUS = 70

log = logging.getLogger(__name__)


def armed(settings: dict[str, Any], setting: str, point: str) -> bool:
    """Whether ``settings[setting]`` arms the fault at ``point``."""
    return settings.get(setting) == point


def crash_here(settings: dict[str, Any], setting: str, point: str) -> None:
    """Die at once, if ``settings[setting]`` names ``point``; otherwise do nothing."""
    if armed(settings, setting, point):
        log.error("%s=%s: crashing on purpose (pid %d)", setting, point, os.getpid())
        os._exit(CRASH_STATUS)
