-- The workbook's database: users, their mail waiting for the relay, and snapshots taken by the
-- recurring scrape job.
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

-- The transactional outbox (MAIL_DELIVERY=relayed): a signup inserts its user and one row per
-- email here in one transaction, so both exist or neither does. The relay
-- (mailer_app/relay.py) enqueues each row's job, then sets relayed_at.
CREATE TABLE IF NOT EXISTS mail_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    created_at TEXT NOT NULL,
    -- How many times the relay has tried to enqueue it: above 1, a relay died in between.
    attempts INTEGER NOT NULL DEFAULT 0,
    relayed_at TEXT,
    job_id TEXT,
    -- The signup's trace context (a W3C traceparent, as JSON), when TRACE_FILE is set.
    trace TEXT,
    -- After a try that failed for another reason than Redis: not before this time.
    retry_at TEXT,
    -- After RELAY_MAX_ATTEMPTS such tries: given up on, counted on /status.
    dead_at TEXT
);
CREATE INDEX IF NOT EXISTS mail_outbox_waiting ON mail_outbox (id) WHERE relayed_at IS NULL;
