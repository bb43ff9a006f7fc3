"""Configuration: defaults, overridden by environment variables of the same name.

The app (``create_app``) and the jobs (which run in workers, outside any app) both read
configuration here, so a worker started with ``MAIL_DELAY_SECONDS=30`` behaves like the app
started with it. Every variable is listed in the README.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

#: The workbook's own state (database, outbox, Redis data) lives in var/ beside the package.
VAR = Path(__file__).resolve().parent.parent / "var"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"

DEFAULTS: dict[str, Any] = {
    "REDIS_URL": DEFAULT_REDIS_URL,
    "DATABASE": str(VAR / "mailer.sqlite"),
    "OUTBOX_DIR": str(VAR / "outbox"),
    # inline: the request sends the email (the tutorial's "before"); queued: an RQ job does;
    # or the import path of your own enqueue function (module:function), as notebook 03 uses.
    "MAIL_DELIVERY": "inline",
    # outbox: write .eml + .html files (letter_opener); smtp: talk to SMTP_HOST:SMTP_PORT.
    "MAIL_BACKEND": "outbox",
    # Stands for the congested mail server of the tutorial's `sleep 30`.
    "MAIL_DELAY_SECONDS": 0.0,
    "MAIL_FROM": "Mailer Workbook <welcome@mailer.test>",
    "SMTP_HOST": "127.0.0.1",
    "SMTP_PORT": 8025,
    "SMTP_TIMEOUT": 10.0,
    "FOLLOWUP_DELAY_SECONDS": 86400.0,
    "DIGEST_TO": "team@mailer.test",
    # The recurring jobs of mailer_app/cron.py.
    "SCRAPE_URL": "http://127.0.0.1:5000/status",
    "SCRAPE_INTERVAL_SECONDS": 60,
    "DIGEST_CRON": "0 8 * * *",
    # The only folder the note_run demo job (workbook/demo_jobs.py) writes to (a job names a
    # file, never a folder).
    "TRACE_DIR": str(VAR / "traces"),
    # The dashboard has no default password; DASHBOARD_DEV_MODE=1 allows admin/admin locally.
    "DASHBOARD_USER": "admin",
    "DASHBOARD_PASSWORD": "",
    "DASHBOARD_DEV_MODE": False,
    "SECRET_KEY": "dev",
    "MAX_CONTENT_LENGTH": 16 * 1024,
}

CHOICES = {"MAIL_DELIVERY": ("inline", "queued"), "MAIL_BACKEND": ("outbox", "smtp")}
#: Settings that may also name a function by import path (``module:function``).
IMPORT_PATH = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")
MAY_BE_IMPORT_PATH = {"MAIL_DELIVERY"}


def _coerce(raw: str, default: Any) -> Any:
    if isinstance(default, bool):
        return raw.strip().lower() in ("1", "true", "yes", "on")
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    return raw


def load_settings(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Defaults, then environment variables, then ``overrides``; checked for typos in choices."""
    settings = dict(DEFAULTS)
    for name, default in DEFAULTS.items():
        if name in os.environ:
            try:
                settings[name] = _coerce(os.environ[name], default)
            except ValueError:
                raise ValueError(
                    f"{name}={os.environ[name]!r} is not a valid {type(default).__name__}"
                ) from None
    settings.update(overrides or {})
    for name, allowed in CHOICES.items():
        value = settings[name]
        if value in allowed or (name in MAY_BE_IMPORT_PATH and IMPORT_PATH.match(str(value))):
            continue
        also = " or module:function" if name in MAY_BE_IMPORT_PATH else ""
        raise ValueError(f"{name} must be one of {', '.join(allowed)}{also}, not {value!r}")
    return settings
