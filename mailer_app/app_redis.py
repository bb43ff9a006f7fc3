"""The running app's Redis client: one connection pool per app, checked before each use.

The first request connects through :func:`mailer_app.redis_client.connect` (PING, the memory
policy check, the one-line messages) and keeps the client in ``app.extensions``; later requests
PING it first, so a server that died since fails fast with the same how-to-start sentence.
"""

from __future__ import annotations

import redis
from flask import current_app

from mailer_app.redis_client import RedisUnavailable, connect, how_to_start


def redis_for_app() -> redis.Redis:
    """The app's Redis client (one pool per app), PINGed so a dead server fails fast."""
    client = current_app.extensions.get("redis")
    if client is None:
        client = current_app.extensions["redis"] = connect(
            current_app.config["REDIS_URL"], socket_connect_timeout=2, socket_timeout=5
        )
        return client
    try:
        client.ping()
    except (redis.ConnectionError, redis.TimeoutError):
        raise RedisUnavailable(how_to_start(current_app.config["REDIS_URL"])) from None
    return client
