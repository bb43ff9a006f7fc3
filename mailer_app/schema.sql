-- The workbook's database: users, and snapshots taken by the recurring scrape job.
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    email TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    -- Durable marks that make the mail jobs idempotent: set after a successful send.
    welcome_sent_at TEXT,
    followup_sent_at TEXT
);

CREATE TABLE IF NOT EXISTS page_snapshots (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    url TEXT NOT NULL,
    fetched_at TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    changed INTEGER NOT NULL,
    body TEXT NOT NULL
);
