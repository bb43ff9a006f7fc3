"""Exercise 10a: one send-rate limit for every worker, kept in Redis.

The mail provider in notebook 10 accepts so many messages a second and answers the rest with
a temporary failure. Every worker limiting itself is not enough: six workers at 8 a second
each send 48. The limit has to live where all of them look: in Redis.

Complete ``take(connection, key, rate, burst=1)``, a **token bucket** kept in Redis under
``key``:

- the bucket holds at most ``burst`` tokens and starts full; it gains ``rate`` tokens a
  second (fractions count), never more than ``burst``;
- when a token is there, ``take`` takes it and returns ``0.0``: send now;
- when none is, it takes nothing and returns how many seconds until one will be there (a
  float above 0); the caller sleeps that long and asks again;
- it is atomic: many workers on many hosts call it at the same moment, and no two of them may
  take the same token. Read, refill and take in one Lua script (``connection.eval``), which
  Redis runs with no other command in between;
- it reads the time from Redis (``TIME``), not from the worker's clock: workers on two hosts
  whose clocks disagree must still share one bucket;
- the key does not stay in Redis forever: it expires once the bucket would be full again.

The app's worker runs yours when started with ``MAIL_RATE_LIMITER=ex10a_rate_limit:take``:
notebook 10 does, in "The fix: one limit for every worker".

Hint (the idea): store two numbers in one hash, the tokens left and when you last looked. On
each call, add ``rate`` times the seconds since then (capped at ``burst``), then take one if
there is one; otherwise the wait is the missing fraction of a token divided by ``rate``.
Notebook 10, "The fix: one limit for every worker". Stuck? ``hint("10a")`` or
``make hint EX=10a``.
"""

from __future__ import annotations

import redis


def take(connection: redis.Redis, key: str, rate: float, burst: int = 1) -> float:
    """Take one token from the bucket ``key``: 0.0 if taken, else the seconds to wait first."""
    ### HINT: connection.eval(script, 1, key, rate, burst) runs a Lua script atomically; in
    ### HINT: it, redis.call('TIME') gives {seconds, microseconds}, redis.call('HMGET', ...)
    ### HINT: and redis.call('HSET', ...) keep the two numbers, redis.call('EXPIRE', ...) the
    ### HINT: key's life. Return the wait as a string: Redis turns a Lua number into an integer.
    ### BEGIN SOLUTION
    script = """
    local rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
    local now = redis.call('TIME')
    now = tonumber(now[1]) + tonumber(now[2]) / 1000000
    local tokens = tonumber(redis.call('HGET', KEYS[1], 'tokens')) or burst
    local last = tonumber(redis.call('HGET', KEYS[1], 'last')) or now
    tokens = math.min(burst, tokens + math.max(0, now - last) * rate)
    local wait = 0
    if tokens >= 1 then tokens = tokens - 1 else wait = (1 - tokens) / rate end
    redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'last', tostring(now))
    redis.call('EXPIRE', KEYS[1], math.ceil((burst - tokens) / rate) + 1)
    return tostring(wait)
    """
    return float(connection.eval(script, 1, key, rate, burst))
    ### END SOLUTION
