"""Mail: the letter_opener outbox, its pages, the notebook helper, and real SMTP."""

from __future__ import annotations

import re
import time

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message

from mailer_app import create_app, db, mail
from workbook import processes
from workbook.notebook import show_newest_email

GOOD = {"name": "Grace Hopper", "email": "grace@example.com"}


def test_outbox_page_lists_newest_first_and_shows_each(client, outbox):
    client.post("/users", json=GOOD)
    time.sleep(0.01)
    client.post("/users", json={"name": "Alan Turing", "email": "alan@example.com"})
    page = client.get("/outbox/").get_data(as_text=True)
    assert page.index("Alan Turing") < page.index("Grace Hopper")
    newest = mail.list_outbox(outbox)[0]
    shown = client.get(f"/outbox/{newest['id']}").get_data(as_text=True)
    assert "Welcome to the Mailer Workbook, Alan Turing!" in shown
    assert "srcdoc=" in shown
    raw = client.get(f"/outbox/{newest['id']}/raw")
    assert raw.mimetype == "message/rfc822" and b"To: Alan Turing <alan@example.com>" in raw.data


@pytest.mark.parametrize("bad_id", ["../../etc/passwd", "nope", "..%2f..%2fsecret"])
def test_outbox_refuses_unknown_or_traversing_ids(client, bad_id):
    assert client.get(f"/outbox/{bad_id}").status_code == 404


def test_empty_outbox_says_so(client):
    assert b"No messages yet." in client.get("/outbox/").data


def test_show_newest_renders_inside_an_iframe(client, outbox):
    assert "empty" in show_newest_email(outbox).data
    client.post("/users", json=GOOD)
    html = show_newest_email(outbox).data
    assert "<b>To:</b> Grace Hopper &lt;grace@example.com&gt;" in html
    # sandbox: the email's HTML runs no scripts inside the notebook either.
    assert len(re.findall(r'<iframe sandbox(?:="")? srcdoc=', html)) == 1
    assert "&lt;h1&gt;Welcome, Grace Hopper!" in html


class _Recorder(Message):
    def __init__(self):
        super().__init__()
        self.messages = []

    def handle_message(self, message):
        self.messages.append(message)


@pytest.fixture
def smtp_server():
    """A real SMTP server (aiosmtpd) on loopback; yields (port, received messages)."""
    handler = _Recorder()
    controller = Controller(handler, hostname="127.0.0.1", port=processes.free_port())
    controller.start()
    try:
        yield controller.port, handler.messages
    finally:
        controller.stop()


def test_smtp_backend_delivers_to_a_real_smtp_server(env, smtp_server, outbox):
    port, received = smtp_server
    app = create_app({"MAIL_BACKEND": "smtp", "SMTP_PORT": port})
    response = app.test_client().post("/users", json=GOOD)
    assert response.status_code == 201
    assert response.json["mail"]["where"] == f"smtp://127.0.0.1:{port}"
    [message] = received
    assert message["To"] == "Grace Hopper <grace@example.com>"
    assert message["X-RcptTo"] == "grace@example.com"
    assert message.is_multipart()
    assert mail.list_outbox(outbox) == []


def test_smtp_server_down_gives_503_and_keeps_no_user(env, caplog):
    app = create_app({"MAIL_BACKEND": "smtp", "SMTP_PORT": processes.free_port(),
                      "SMTP_TIMEOUT": 2.0})
    response = app.test_client().post("/users", json=GOOD)
    assert response.status_code == 503
    assert "try again" in response.json["error"]
    assert "mail server is unavailable" in caplog.text
    conn = db.connect(env["DATABASE"])
    assert db.count_users(conn) == 0
