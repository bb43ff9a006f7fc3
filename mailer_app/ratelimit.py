"""A send-rate limit shared by every worker: a token bucket kept in Redis.

A mail provider accepts so many messages a second and answers the rest with a temporary
failure (a 4xx reply). Each worker limiting itself is not enough: twenty workers at one
message a second each send twenty. So the bucket lives in Redis, where all of them take from
it. It holds at most ``burst`` tokens and gains ``rate`` tokens a second; a send takes one.

The read, the refill and the take happen in one Lua script, which Redis runs without
interleaving any other command: two workers cannot both read "one token left" and both take
it. Time comes from Redis (``TIME``), so workers on hosts whose clocks disagree share one
clock. ``MAIL_RATE_LIMITER`` may name another function with the same signature (notebook
10's exercise 10a plugs the student's in).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import redis

KEY = "mailer:send-rate"

#: KEYS[1] the bucket's hash; ARGV rate (tokens a second), burst (most tokens held).
#: Returns "0" when a token was taken, else the seconds until one will be there (as text:
#: Redis would cut a Lua number down to an integer).
TOKEN_BUCKET = """
local rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = (1 - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(burst / rate) + 1)
return tostring(wait)
"""


def take(connection: redis.Redis, key: str, rate: float, burst: int = 1) -> float:
    """Take one token from the bucket ``key``: 0.0 if taken, else the seconds to wait first."""
    if rate <= 0 or burst < 1:
        raise ValueError(f"rate must be above 0 and burst at least 1, not {rate} and {burst}")
    return float(connection.eval(TOKEN_BUCKET, 1, key, rate, burst))


Limiter = Callable[[redis.Redis, str, float, int], float]


def wait_for_slot(connection: redis.Redis, rate: float, limiter: Limiter = take,
                  key: str = KEY) -> float:
    """Block until ``limiter`` grants a send; return the seconds this worker waited."""
    started = time.monotonic()
    while (wait := limiter(connection, key, rate, 1)) > 0:
        time.sleep(wait)
    return time.monotonic() - started
