"""Configuration comes from environment variables; a typo gets a message that names it."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from mailer_app import db
from mailer_app.config import load_settings


def test_environment_overrides_defaults(monkeypatch):
    monkeypatch.setenv("MAIL_DELAY_SECONDS", "2.5")
    monkeypatch.setenv("DASHBOARD_DEV_MODE", "yes")
    monkeypatch.setenv("SMTP_PORT", "2525")
    settings = load_settings()
    assert settings["MAIL_DELAY_SECONDS"] == 2.5
    assert settings["DASHBOARD_DEV_MODE"] is True
    assert settings["SMTP_PORT"] == 2525


def test_overrides_beat_the_environment(monkeypatch):
    monkeypatch.setenv("MAIL_DELIVERY", "inline")
    assert load_settings({"MAIL_DELIVERY": "queued"})["MAIL_DELIVERY"] == "queued"


@pytest.mark.parametrize(("name", "value", "message"), [
    ("MAIL_DELIVERY", "queue",
     "MAIL_DELIVERY must be one of inline, queued, relayed or module:function, not 'queue'"),
    ("MAIL_BACKEND", "sendmail", "MAIL_BACKEND must be one of outbox, smtp"),
    ("MAIL_DELAY_SECONDS", "thirty", "MAIL_DELAY_SECONDS='thirty' is not a valid float"),
    ("SMTP_PORT", "25.5", "SMTP_PORT='25.5' is not a valid int"),
])
def test_a_bad_setting_is_named(monkeypatch, name, value, message):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError) as caught:
        load_settings()
    assert message in str(caught.value)


def test_flask_init_db_creates_the_tables(tmp_path):
    database = tmp_path / "fresh" / "mailer.sqlite"
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "mailer_app", "init-db"],
        capture_output=True, text=True, env={**os.environ, "DATABASE": str(database)},
    )
    assert result.returncode == 0, result.stderr
    assert f"Initialized the database at {database}" in result.stdout
    with db.connection(database) as conn:
        tables = {row[0] for row in
                  conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"users", "page_snapshots"} <= tables


def test_delivery_may_name_a_function_by_import_path(monkeypatch):
    monkeypatch.setenv("MAIL_DELIVERY", "ex03a_enqueue:enqueue_welcome")
    assert load_settings()["MAIL_DELIVERY"] == "ex03a_enqueue:enqueue_welcome"
