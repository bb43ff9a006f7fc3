"""Real HTTP against the mailer app, from notebooks, tests and benchmarks (standard library)."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode


def post(base: str, path: str, payload: dict | None = None, form: dict | None = None,
         headers: dict | None = None, timeout: float = 120) -> tuple[int, dict | str, float]:
    """POST JSON (or a form) over real HTTP; return (status, body, seconds)."""
    if form is not None:
        data, content_type = urlencode(form).encode(), "application/x-www-form-urlencoded"
    else:
        data, content_type = json.dumps(payload or {}).encode(), "application/json"
    request = urllib.request.Request(f"{base}{path}", data=data,
                                     headers={"Content-Type": content_type, **(headers or {})})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw, status = response.read(), response.status
            kind = response.headers.get_content_type()
    except urllib.error.HTTPError as err:
        raw, status, kind = err.read(), err.code, err.headers.get_content_type()
    elapsed = time.perf_counter() - started
    body = json.loads(raw) if kind == "application/json" else raw.decode()
    return status, body, elapsed


def get(base: str, path: str, headers: dict | None = None) -> tuple[int, str]:
    """GET over real HTTP; return (status, body text)."""
    request = urllib.request.Request(f"{base}{path}", headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def post_all_at_once(base: str, path: str, payloads: list[dict]) -> list[tuple[int, float]]:
    """POST every payload at the same moment (one thread each); return (status, seconds) each."""
    with ThreadPoolExecutor(max_workers=len(payloads)) as pool:
        results = list(pool.map(lambda payload: post(base, path, payload), payloads))
    return [(status, seconds) for status, _, seconds in results]
