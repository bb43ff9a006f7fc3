"""The SQLite database: users, the mail waiting for the relay, and page snapshots.

Functions take the database path, so jobs (which run outside any Flask request) and the app
share them; inside a request, :func:`get_db` gives the request's connection.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import click
from flask import current_app, g


def utcnow() -> str:
    """Now, in UTC, as an ISO 8601 string (what the tables store)."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def connect(path: str | Path) -> sqlite3.Connection:
    """Open the database at ``path`` with rows that behave like dicts."""
    conn = sqlite3.connect(path, timeout=10, isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA busy_timeout=10000")
    conn.execute("PRAGMA foreign_keys=ON")  # a deleted user takes their waiting mail along
    return conn


@contextlib.contextmanager
def connection(path: str | Path) -> Iterator[sqlite3.Connection]:
    """Open the database at ``path`` for a ``with`` block, and close it when the block ends."""
    # sqlite3's own ``with conn:`` ends a transaction but leaves the connection open.
    conn = connect(path)
    try:
        yield conn
    finally:
        conn.close()


#: Columns added after a table was first created, and how to add each to an older database.
ADDED_COLUMNS = {("mail_outbox", "retry_at"): "TEXT", ("mail_outbox", "dead_at"): "TEXT"}


def init_db(path: str | Path) -> None:
    """Create the tables (if missing) at ``path``, and add the columns an older one lacks."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    schema = resources.files("mailer_app").joinpath("schema.sql").read_text()
    with connection(path) as conn:
        conn.executescript(schema)
        for (table, column), kind in ADDED_COLUMNS.items():
            if column not in {row["name"] for row in conn.execute(f"PRAGMA table_info({table})")}:
                conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")


def reset_db(path: str | Path) -> None:
    """Delete every row, keeping the tables (used between notebook runs and tests)."""
    init_db(path)
    with connection(path) as conn:
        conn.executescript(
            "DELETE FROM mail_outbox; DELETE FROM users; DELETE FROM page_snapshots;")


def insert_user(conn: sqlite3.Connection, name: str, email: str) -> int:
    """Store a user (``sqlite3.IntegrityError`` if the email exists); return the new id."""
    return conn.execute(
        "INSERT INTO users (name, email, created_at) VALUES (?, ?, ?)", (name, email, utcnow())
    ).lastrowid


def insert_user_with_mail(conn: sqlite3.Connection, name: str, email: str,
                          kinds: tuple[str, ...] = ("welcome",), commit_delay: float = 0,
                          trace: str | None = None) -> int:
    """Store a user and one ``mail_outbox`` row per email kind, in one transaction.

    Either the user and their mail are both stored, or neither is: no process that dies, no
    Redis that is down, can leave a user whose welcome email is never sent. ``commit_delay``
    (fault injection: ``SIGNUP_FAULT=enqueue-before-commit``) holds the transaction open.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        user_id = insert_user(conn, name, email)
        now = utcnow()
        conn.executemany(
            "INSERT INTO mail_outbox (user_id, kind, created_at, trace) VALUES (?, ?, ?, ?)",
            [(user_id, kind, now, trace) for kind in kinds])
        if commit_delay > 0:
            time.sleep(commit_delay)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return user_id


def get_user(conn: sqlite3.Connection, user_id: int) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM users WHERE id = ?", (user_id,)).fetchone()


def count_users(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT COUNT(*) FROM users").fetchone()[0]


def get_db() -> sqlite3.Connection:
    """The current request's database connection."""
    if "db" not in g:
        g.db = connect(current_app.config["DATABASE"])
    return g.db


def close_db(exception=None) -> None:
    db = g.pop("db", None)
    if db is not None:
        db.close()


@click.command("init-db")
def init_db_command() -> None:
    """Create the database tables (the tutorial's `rake db:migrate`)."""
    init_db(current_app.config["DATABASE"])
    click.echo(f"Initialized the database at {current_app.config['DATABASE']}")


def init_app(app) -> None:
    app.teardown_appcontext(close_db)
    app.cli.add_command(init_db_command)
