"""An email's HTML is someone else's markup: the outbox shows it, but never runs its scripts.

The hostile email tries to reach a tiny HTTP listener on loopback in four ways (a script, an
event handler, a script that writes to the outbox page itself, a tracking pixel). The listener
records every request, so "the script did not run" is something observed, not assumed; a
control test opens the same HTML without the outbox's protections and sees it call home.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from mailer_app import mail
from workbook.processes import wait_until

HOSTILE = """<h1>Totally harmless</h1>
<script>fetch("{listener}/script", {{mode: "no-cors"}});</script>
<img src="data:," onerror="fetch('{listener}/onerror', {{mode: 'no-cors'}})">
<script>parent.document.title = "pwned"; localStorage.setItem("pwned", "1");</script>
<img src="{listener}/pixel" alt="">
"""


class Listener:
    """A loopback HTTP server that records each path asked for and serves the hostile email."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                listener.paths.append(self.path)
                body = listener.email_html().encode() if self.path == "/email" else b""
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):  # keep the test output quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def email_html(self) -> str:
        return HOSTILE.format(listener=self.url)


@pytest.fixture
def listener() -> Iterator[Listener]:
    recorder = Listener()
    thread = threading.Thread(target=recorder.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield recorder
    finally:
        recorder.server.shutdown()
        recorder.server.server_close()
        thread.join(5)


@pytest.fixture
def hostile_email(outbox, listener) -> str:
    """Put the hostile email in the outbox; return its id."""
    msg = EmailMessage()
    msg["Subject"] = "Open me <script>document.title='pwned'</script>"
    msg["From"] = "Mallory <mallory@example.com>"
    msg["To"] = "ada@example.com"
    msg["X-Mailer-Kind"] = "hostile"
    msg.set_content("Totally harmless")
    msg.add_alternative(listener.email_html(), subtype="html")
    return mail.write_to_outbox(msg, outbox).stem


@pytest.mark.parametrize("path", ["/outbox/", "/outbox/{id}", "/outbox/{id}/html",
                                  "/outbox/{id}/raw"])
def test_outbox_pages_forbid_scripts(client, hostile_email, path):
    response = client.get(path.format(id=hostile_email))
    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    if path.endswith("/html"):
        assert policy.startswith("sandbox;")


def test_the_email_is_shown_in_a_sandboxed_iframe(client, hostile_email):
    page = client.get(f"/outbox/{hostile_email}").get_data(as_text=True)
    assert '<iframe id="body" sandbox srcdoc="' in page
    assert "<script>" not in page, "the email's markup is escaped into srcdoc, never inlined"


@pytest.mark.browser
@pytest.mark.slow
def test_without_protection_the_hostile_email_calls_home(browser, listener):
    page = browser.new_page()
    page.goto(f"{listener.url}/email")
    wait_until(lambda: {"/script", "/onerror", "/pixel"} <= set(listener.paths), timeout=10,
               what="the unprotected email's script and pixel reaching the listener")
    assert page.title() == "pwned"
    page.close()


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("view", ["{id}", "{id}/html", ""])
def test_the_outbox_never_runs_the_emails_scripts(browser, live_server, listener, hostile_email,
                                                 view):
    with live_server() as base:
        page = browser.new_page()
        response = page.goto(f"{base}/outbox/{view.format(id=hostile_email)}")
        assert response.status == 200
        if view == "{id}":
            # The email is there to read, inside the sandboxed frame.
            heading = page.frame_locator("#body").locator("h1")
            assert heading.inner_text() == "Totally harmless"
        page.wait_for_timeout(1000)  # what the control test saw arrive well within this
        assert listener.paths == [], f"the email reached the listener: {listener.paths}"
        assert page.title() != "pwned"
        assert page.evaluate("() => { try { return localStorage.getItem('pwned'); } "
                             "catch (e) { return null; } }") is None
        page.close()
