"""Configuration: defaults, overridden by environment variables of the same name.

The app (``create_app``) and the jobs (which run in workers, outside any app) both read
configuration here, so a worker started with ``MAIL_DELAY_SECONDS=30`` behaves like the app
started with it. Every variable is listed in the README.
"""

from __future__ import annotations

import importlib
import os
import re
from pathlib import Path
from typing import Any

#: The workbook's own state (database, outbox, Redis data) lives in var/ beside the package.
VAR = Path(__file__).resolve().parent.parent / "var"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"

DEFAULTS: dict[str, Any] = {
    # development: the mail folder's pages (/outbox) and every user's page are served, as
    # letter_opener is in the tutorial; production: neither, /status shows counts only, and
    # the app will not start without a SECRET_KEY of its own.
    "APP_ENV": "development",
    "REDIS_URL": DEFAULT_REDIS_URL,
    "DATABASE": str(VAR / "mailer.sqlite"),
    "OUTBOX_DIR": str(VAR / "outbox"),
    # inline: the request sends the email (the tutorial's "before"); queued: an RQ job does;
    # relayed: the signup writes the email into the mail_outbox table in the user's own
    # transaction and the relay (python -m mailer_app.relay) enqueues it (notebook 10);
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
    # When a welcome or follow-up email fails, RQ tries it again after each of these seconds.
    "MAIL_RETRY_INTERVALS": "10,60,300",
    # A shared limit on sends per second for every worker together (0: none), kept in Redis by
    # the function MAIL_RATE_LIMITER names (module:function; notebook 10's exercise 10a).
    "MAIL_RATE_LIMIT": 0.0,
    "MAIL_RATE_LIMITER": "mailer_app.ratelimit:take",
    # Backpressure: when the mail already waiting would take longer than this to send at
    # MAIL_RATE_LIMIT, the signup's answer says how late the welcome email will be.
    "MAIL_LATE_AFTER_SECONDS": 60.0,
    # How often the relay looks for new rows in mail_outbox.
    "RELAY_INTERVAL_SECONDS": 0.5,
    # A mail_outbox row that fails this often (for another reason than Redis) is given up on.
    "RELAY_MAX_ATTEMPTS": 8,
    # More modules whose @job_function jobs the app's worker runs, besides mailer_app.jobs
    # (comma-separated module names; notebook 03's worker names the student's ex03a_enqueue).
    "JOB_MODULES": "",
    # Fault injection, for notebook 10 and the tests only (empty: none). SIGNUP_FAULT:
    # crash-after-commit (the web process dies between its commit and its enqueue) or
    # enqueue-before-commit (the job is enqueued first, the commit follows after
    # FAULT_DELAY_SECONDS). RELAY_FAULT: crash-after-enqueue (the relay dies between the
    # enqueue and marking the row relayed).
    "SIGNUP_FAULT": "",
    "RELAY_FAULT": "",
    "FAULT_DELAY_SECONDS": 1.0,
    # OpenTelemetry spans, one JSON object per line, appended to this file (empty: no tracing;
    # needs the trace extra: pip install -e '.[trace]').
    "TRACE_FILE": "",
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

CHOICES = {"APP_ENV": ("development", "production"),
           "MAIL_DELIVERY": ("inline", "queued", "relayed"), "MAIL_BACKEND": ("outbox", "smtp"),
           "SIGNUP_FAULT": ("", "crash-after-commit", "enqueue-before-commit"),
           "RELAY_FAULT": ("", "crash-after-enqueue")}
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
        raise ValueError(f"{name} must be one of {', '.join(a or repr(a) for a in allowed)}{also}, "
                         f"not {value!r}")
    return settings


def production(config) -> bool:
    """Whether ``config`` (the app's, or :func:`load_settings`'s) is production's."""
    return config["APP_ENV"] == "production"


def check_secret_key(config) -> None:
    """Refuse production with the development ``SECRET_KEY`` (anyone could forge sessions)."""
    if production(config) and config["SECRET_KEY"] in ("", DEFAULTS["SECRET_KEY"]):
        raise ValueError("APP_ENV=production needs a SECRET_KEY of its own: set SECRET_KEY to a "
                         "long random string (python -c 'import secrets; "
                         "print(secrets.token_hex())')")


def import_object(path: str) -> Any:
    """The object an import path such as ``ex03a_enqueue:enqueue_welcome`` names."""
    module, _, name = path.replace(":", ".").rpartition(".")
    return getattr(importlib.import_module(module), name)


def retry_intervals(settings: dict[str, Any]) -> list[int]:
    """``MAIL_RETRY_INTERVALS`` as whole seconds: ``"10,60,300"`` gives ``[10, 60, 300]``."""
    try:
        intervals = [int(part) for part in str(settings["MAIL_RETRY_INTERVALS"]).split(",")]
    except ValueError:
        intervals = []
    if not intervals or min(intervals) < 0:
        raise ValueError("MAIL_RETRY_INTERVALS must be whole seconds separated by commas, "
                         f"such as 10,60,300, not {settings['MAIL_RETRY_INTERVALS']!r}")
    return intervals
