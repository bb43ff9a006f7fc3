"""Exercise 02b: time a signup request over real HTTP, as the user experiences it.

Complete ``timed_signup(base_url, name, email)``: POST the signup as JSON to
``{base_url}/users`` and return ``(status, seconds)``: the HTTP status and the wall-clock
seconds from sending the request until the whole response was read. A 4xx answer is a
result too: return its status, do not raise.

Hint (the idea): the user's wait runs from sending the request until the whole answer has
arrived; an error status is an answer too. Notebook 02, "Now make the mail server slow",
measures the same thing. Stuck? ``hint("02b")`` or ``make hint EX=02b``.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request


def timed_signup(base_url: str, name: str, email: str) -> tuple[int, float]:
    """POST a signup and return (HTTP status, seconds the request took)."""
    body = json.dumps({"name": name, "email": email}).encode()
    ### HINT: urllib.request.Request with a JSON Content-Type; time.perf_counter around urlopen and
    ### HINT: read; HTTPError has .code.
    ### BEGIN SOLUTION
    request = urllib.request.Request(f"{base_url}/users", data=body,
                                     headers={"Content-Type": "application/json"})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as err:
        err.read()
        status = err.code
    return status, time.perf_counter() - started
    ### END SOLUTION
