"""Real HTTP against the mailer app, from notebooks, tests, tools and benchmarks (stdlib only).

:func:`request` is the one place a request is sent; :func:`post` and :func:`get` are its short
forms for the app's own paths. An error status (4xx, 5xx) is an answer, never an exception.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from email.message import Message
from typing import NamedTuple
from urllib.parse import urlencode


class Answer(NamedTuple):
    """What the server answered: the status, its headers and the raw body."""

    status: int
    headers: Message
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode()

    def parsed(self) -> dict | str:
        """The body as JSON when the server says it is JSON, else as text."""
        if self.headers.get_content_type() == "application/json":
            return json.loads(self.body)
        return self.text


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the 3xx itself becomes the answer, Location header and all


def request(url: str, *, payload: dict | None = None, form: dict | None = None,
            headers: dict | None = None, timeout: float = 30,
            follow_redirects: bool = True) -> Answer:
    """Send one request over real HTTP (a POST of JSON ``payload`` or ``form`` if given)."""
    if form is not None:
        data, content_type = urlencode(form).encode(), "application/x-www-form-urlencoded"
    elif payload is not None:
        data, content_type = json.dumps(payload).encode(), "application/json"
    else:
        data, content_type = None, None
    sent = {"Content-Type": content_type} if content_type else {}
    prepared = urllib.request.Request(url, data=data, headers={**sent, **(headers or {})})
    opener = (urllib.request.build_opener() if follow_redirects
              else urllib.request.build_opener(_NoRedirect))
    try:
        with opener.open(prepared, timeout=timeout) as response:
            return Answer(response.status, response.headers, response.read())
    except urllib.error.HTTPError as err:
        return Answer(err.code, err.headers, err.read())


def post(base: str, path: str, payload: dict | None = None, form: dict | None = None,
         headers: dict | None = None, timeout: float = 120) -> tuple[int, dict | str, float]:
    """POST JSON (or a form) over real HTTP; return (status, body, seconds)."""
    started = time.perf_counter()
    # A form wins over a payload; with neither, an empty JSON object (what the app expects).
    answer = request(f"{base}{path}", payload=payload or {}, form=form, headers=headers,
                     timeout=timeout)
    elapsed = time.perf_counter() - started
    return answer.status, answer.parsed(), elapsed


def get(base: str, path: str, headers: dict | None = None) -> tuple[int, str]:
    """GET over real HTTP; return (status, body text)."""
    answer = request(f"{base}{path}", headers=headers)
    return answer.status, answer.text


def post_all_at_once(base: str, path: str, payloads: list[dict]) -> list[tuple[int, float]]:
    """POST every payload at the same moment (one thread each); return (status, seconds) each."""
    with ThreadPoolExecutor(max_workers=len(payloads)) as pool:
        results = list(pool.map(lambda payload: post(base, path, payload), payloads))
    return [(status, seconds) for status, _, seconds in results]
