"""At a person's pace: what a notebook waits for, and how long, when a student drives it.

A notebook waits for the processes a lesson asks the student to start (``rq worker`` in a
terminal) instead of starting them, unless ``WORKBOOK_START_PROCESSES=1`` (nbval, CI) says so.
Waits read what lasts: the database's timestamps, and job statuses, which only move forward.
"""

from __future__ import annotations

import os
from datetime import datetime

#: Set to 1 (nbval, CI) and the notebook starts the processes a student would start by hand.
START_PROCESSES = "WORKBOOK_START_PROCESSES"
#: How long a notebook waits for a process the student was asked to start.
STUDENT_WAIT_SECONDS = 600
#: Job statuses that come after each one, in the order RQ moves a job on.
LATER_STATUSES = {
    "queued": ("queued", "started", "finished", "failed", "stopped", "canceled"),
    "started": ("started", "finished", "failed", "stopped", "canceled"),
    "finished": ("finished",),
    "failed": ("failed",),
}


class WaitedTooLong(Exception):
    """A notebook waited for something the student was asked to do; shown as one sentence."""

    def _render_traceback_(self) -> list[str]:  # IPython shows this instead of a traceback
        return [f"⛔ {self}"]


def starts_processes() -> bool:
    """Whether this run starts the student's processes itself (``WORKBOOK_START_PROCESSES=1``)."""
    return os.environ.get(START_PROCESSES, "") == "1"


def seconds_between(earlier: str, later: str) -> float:
    return (datetime.fromisoformat(later) - datetime.fromisoformat(earlier)).total_seconds()
