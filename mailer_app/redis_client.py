"""The app's one way to reach Redis: connect, PING, and explain what went wrong in one line.

The web app, the queues and the jobs all come through :func:`connect`, so a dead server, a
wrong password or a job-eating memory policy gives the same plain message everywhere.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import redis


class RedisUnavailable(RuntimeError):
    """Redis cannot be reached; the message says how to start it."""


class RedisMisconfigured(RuntimeError):
    """Redis runs with a setting that loses jobs (an evicting memory policy)."""


def redact(url: str) -> str:
    """``url`` with its password replaced by ``***``, fit for messages and logs."""
    parts = urlsplit(url)
    if not parts.password:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


def how_to_start(url: str) -> str:
    """Return the one line that tells a student how to start Redis for ``url``."""
    port = urlsplit(url).port or 6379
    return (
        f"Redis is not running at {redact(url)}. Start it with `make redis` in the workbook folder "
        f"(or `redis-server --port {port}` in a terminal), then try again."
    )


_checked_policy: set[str] = set()


def check_eviction_policy(conn: redis.Redis, url: str) -> None:
    """Refuse a Redis whose ``maxmemory-policy`` may evict keys that have no expiry.

    ``allkeys-lru`` and friends delete *any* key under memory pressure, job hashes and queues
    included, without an error: emails that silently never go out. ``noeviction`` makes Redis
    refuse writes instead, which the app reports. Checked once per URL; skipped when the user
    may not run CONFIG (an ACL-limited worker user, say).
    """
    if url in _checked_policy:
        return
    try:
        policy = conn.config_get("maxmemory-policy").get("maxmemory-policy", "noeviction")
    except redis.exceptions.NoPermissionError:
        policy = "unknown"
    except redis.ResponseError:  # CONFIG renamed or disabled by the host
        policy = "unknown"
    if policy.startswith("allkeys-"):
        raise RedisMisconfigured(
            f"Redis at {redact(url)} runs with maxmemory-policy {policy}, which silently "
            "deletes queued jobs when memory runs short. Set it to noeviction: "
            "`redis-cli CONFIG SET maxmemory-policy noeviction` (and in redis.conf)."
        )
    _checked_policy.add(url)


def connect(url: str, **kwargs) -> redis.Redis:
    """Connect to ``url`` and PING it, or raise :class:`RedisUnavailable` with a how-to line.

    Also refuses (once per URL) a Redis configured to evict keys: see
    :func:`check_eviction_policy`.
    """
    conn = redis.Redis.from_url(url, **kwargs)
    try:
        conn.ping()
        check_eviction_policy(conn, url)
    except (redis.AuthenticationError, redis.exceptions.NoPermissionError) as exc:
        raise RedisUnavailable(
            f"Redis at {redact(url)} refused the login ({exc}). Check the user and password "
            "in REDIS_URL (redis://user:password@host:port/0)."
        ) from exc
    except (redis.ConnectionError, redis.TimeoutError) as exc:
        raise RedisUnavailable(how_to_start(url)) from exc
    return conn
