"""The app's one way to reach Redis: connect, PING, and explain what went wrong in one line.

The web app, the queues and the jobs all come through :func:`connect`, so a dead server, a
wrong password or a job-eating memory policy gives the same plain message everywhere.
"""

from __future__ import annotations

import functools
from urllib.parse import unquote, urlsplit

import redis
from redis.sentinel import Sentinel

#: ``redis+sentinel://[user:password@]host:port,host:port/<primary name>/<db>``: ask these
#: Sentinels where the primary is (again after a failover) instead of naming one server.
#: Not redis-py's form: ``Redis.from_url`` and so ``rq worker --url`` refuse it (workers use
#: RQ's ``SENTINEL`` setting). It is the Redis-Sentinel-Url package's, which rq-dashboard uses.
SENTINEL_SCHEME = "redis+sentinel"


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
    if urlsplit(url).scheme == SENTINEL_SCHEME:
        return (f"No primary answers through the Sentinels at {redact(url)}: check that the "
                "Sentinels run and agree on a primary (SENTINEL get-master-addr-by-name).")
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


def with_db(url: str, db: int) -> str:
    """``url`` pointing at database ``db`` of the same server (or the same Sentinels)."""
    parts = urlsplit(url)
    if parts.scheme == SENTINEL_SCHEME:
        name = parts.path.strip("/").partition("/")[0]
        return parts._replace(path=f"/{name}/{db}").geturl()
    return parts._replace(path=f"/{db}").geturl()


def _unquoted(part: str | None) -> str | None:
    return unquote(part) if part else part


def client_for(url: str, **kwargs) -> redis.Redis:
    """A client for ``url``: one server (``redis://``), or the primary the Sentinels name."""
    parts = urlsplit(url)
    if parts.scheme != SENTINEL_SCHEME:
        return redis.Redis.from_url(url, **kwargs)
    addresses = []
    for address in parts.netloc.rpartition("@")[2].split(","):
        host, _, port = address.rpartition(":")
        addresses.append((host, int(port)))
    name, _, db = parts.path.strip("/").partition("/")
    sentinel = Sentinel(addresses, socket_timeout=kwargs.get("socket_timeout", 1))
    # A URL carries its user and password percent-encoded (p%40ss for p@ss), as from_url knows.
    return sentinel.master_for(name, db=int(db or 0), username=_unquoted(parts.username),
                               password=_unquoted(parts.password), **kwargs)


def connect(url: str, **kwargs) -> redis.Redis:
    """Connect to ``url`` and PING it, or raise :class:`RedisUnavailable` with a how-to line.

    Also refuses (once per URL) a Redis configured to evict keys: see
    :func:`check_eviction_policy`.
    """
    conn = client_for(url, **kwargs)
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


@functools.cache
def shared_client(url: str) -> redis.Redis:
    """One client for ``url`` in this process, connected on first use: one connection pool.

    For code that runs outside a request's app and outside a job (an inline send's rate limit):
    a new client per call would open a new connection per signup.
    """
    return connect(url)
