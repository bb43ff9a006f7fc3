"""One Redis connection pool per process: a signup does not open a connection of its own."""

from __future__ import annotations

import pytest

from mailer_app import create_app


def connections_opened(conn) -> int:
    return int(conn.info("stats")["total_connections_received"])


@pytest.mark.parametrize("delivery", ["inline", "queued"])
def test_signups_reuse_the_processes_connections(env, conn, monkeypatch, delivery):
    monkeypatch.setenv("MAIL_DELIVERY", delivery)
    monkeypatch.setenv("MAIL_RATE_LIMIT", "1000")  # the inline send takes a token from Redis
    client = create_app({"TESTING": True}).test_client()
    assert client.post("/users", json={"name": "Ada", "email": "ada@example.com"}).status_code \
        == 201
    before = connections_opened(conn)
    for n in range(10):
        response = client.post("/users", json={"name": f"User {n}", "email": f"u{n}@example.com"})
        assert response.status_code == 201, response.json
    opened = connections_opened(conn) - before
    assert opened == 0, f"10 {delivery} signups opened {opened} new Redis connections"
