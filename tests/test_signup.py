"""Signup: good input sends one welcome email; bad input gets a clear 4xx and changes nothing."""

from __future__ import annotations

import pytest

from mailer_app import db, mail
from workbook.notebook import post

GOOD = {"name": "Ada Lovelace", "email": "ada@example.com"}


def users(env):
    conn = db.connect(env["DATABASE"])
    try:
        return [dict(r) for r in conn.execute("SELECT * FROM users")]
    finally:
        conn.close()


def test_form_is_shown(client):
    page = client.get("/users/new")
    assert page.status_code == 200
    assert b'name="email"' in page.data and b'name="name"' in page.data


def test_form_signup_stores_user_sends_email_and_redirects(client, env, outbox):
    response = client.post("/users", data=GOOD)
    assert response.status_code == 303
    assert response.headers["Location"] == "http://localhost/users/1"
    page = client.get("/users/1")
    assert b"Welcome, Ada Lovelace!" in page.data and b"has been sent" in page.data
    [user] = users(env)
    assert user["email"] == "ada@example.com" and user["welcome_sent_at"]
    [message] = mail.list_outbox(outbox)
    assert message["to"] == "Ada Lovelace <ada@example.com>"
    assert message["subject"] == "Welcome to the Mailer Workbook, Ada Lovelace!"


def test_welcome_email_is_multipart_text_and_html(client, outbox):
    client.post("/users", json=GOOD)
    [message] = mail.list_outbox(outbox)
    msg = mail.read_message(message["path"])
    assert msg.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
    assert "Hi Ada Lovelace" in msg.get_body(("plain",)).get_content()
    assert "<h1>Welcome, Ada Lovelace!</h1>" in msg.get_body(("html",)).get_content()
    assert "inside your signup request" in msg.get_body(("plain",)).get_content()


def test_json_signup_answers_201_with_the_user(client):
    response = client.post("/users", json=GOOD)
    assert response.status_code == 201
    assert response.json["id"] == 1 and response.json["delivery"] == "inline"
    assert response.json["mail"]["status"] == "sent"


def test_email_is_stored_lowercase_and_trimmed(client, env):
    client.post("/users", json={"name": "  Bo  ", "email": " Bo@Example.COM "})
    [user] = users(env)
    assert (user["name"], user["email"]) == ("Bo", "bo@example.com")


LONG = "a" * 101
BAD_INPUT = [
    ({}, 400, "Please enter your name."),
    ({"name": "Ada"}, 400, "Please enter your email."),
    ({"name": "", "email": "ada@example.com"}, 400, "Please enter your name."),
    ({"name": "   ", "email": "ada@example.com"}, 400, "Please enter your name."),
    ({"name": "Ada", "email": "not-an-email"}, 400, "does not look like an email"),
    ({"name": "Ada", "email": "ada@"}, 400, "does not look like an email"),
    ({"name": "Ada", "email": "@example.com"}, 400, "does not look like an email"),
    ({"name": "Ada", "email": "ada@example"}, 400, "does not look like an email"),
    ({"name": "Ada", "email": "a da@example.com"}, 400, "does not look like an email"),
    ({"name": "Ada", "email": "ada@example.com\r\nBcc: all@example.com"}, 400, "line break"),
    ({"name": "Ada\r\nBcc: all@example.com", "email": "ada@example.com"}, 400, "line break"),
    ({"name": "Ada\nX", "email": "ada@example.com"}, 400, "line break"),
    ({"name": "Ada\x00", "email": "ada@example.com"}, 400, "control character"),
    ({"name": "Ada\x1b[31m", "email": "ada@example.com"}, 400, "control character"),
    ({"name": "Ada\u2028Bcc: x@example.com", "email": "ada@example.com"}, 400, "line break"),
    ({"name": "Ada", "email": "ada@example.com\x00"}, 400, "control character"),
    ({"name": LONG, "email": "ada@example.com"}, 400, "too long (at most 100"),
    ({"name": "Ada", "email": "a" * 250 + "@example.com"}, 400, "too long (at most 254"),
    ({"name": "Ada", "email": "a" * 65 + "@example.com"}, 400, "does not look like an email"),
    ({"name": ["Ada"], "email": "ada@example.com"}, 400, "must be text"),
    ({"name": 42, "email": "ada@example.com"}, 400, "must be text"),
    ({"name": "Ada", "email": None}, 400, "Please enter your email."),
]


def _assert_nothing_changed(env, outbox):
    assert users(env) == []
    assert mail.list_outbox(outbox) == []


@pytest.mark.parametrize(("payload", "status", "message"), BAD_INPUT)
def test_bad_json_is_refused_and_changes_nothing(client, env, outbox, payload, status, message):
    response = client.post("/users", json=payload)
    assert response.status_code == status
    assert message in response.json["error"]
    _assert_nothing_changed(env, outbox)


@pytest.mark.parametrize(("payload", "status", "message"),
                         [case for case in BAD_INPUT if all(isinstance(v, str)
                                                            for v in case[0].values())])
def test_bad_form_input_is_refused_on_the_form(client, env, outbox, payload, status, message):
    response = client.post("/users", data=payload)
    assert response.status_code == status
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert 'role="alert"' in page and message in page.replace("&#39;", "'")
    _assert_nothing_changed(env, outbox)


@pytest.mark.parametrize(("body", "content_type", "message"), [
    (b"{not json", "application/json", "not valid JSON"),
    (b'["a", "list"]', "application/json", "JSON object"),
    (b'"just a string"', "application/json", "JSON object"),
])
def test_malformed_bodies_get_400(client, env, outbox, body, content_type, message):
    response = client.post("/users", data=body, content_type=content_type)
    assert response.status_code == 400
    assert message in response.json["error"]
    _assert_nothing_changed(env, outbox)


def test_duplicate_email_gets_409_and_no_second_email(client, env, outbox):
    assert client.post("/users", json=GOOD).status_code == 201
    again = client.post("/users", json={"name": "Someone Else", "email": "ADA@example.com"})
    assert again.status_code == 409
    assert again.json == {"error": "That email address is already signed up.", "field": "email"}
    assert len(users(env)) == 1 and len(mail.list_outbox(outbox)) == 1


@pytest.mark.parametrize("as_json", [True, False])
def test_oversized_body_gets_413_and_changes_nothing(client, env, outbox, as_json):
    huge = "x" * 20_000
    if as_json:
        response = client.post("/users", json={"name": huge, "email": "ada@example.com"})
        assert "too large" in response.json["error"]
    else:
        response = client.post("/users", data={"name": huge, "email": "ada@example.com"})
        assert b"too large" in response.data
    assert response.status_code == 413
    _assert_nothing_changed(env, outbox)


def _post(base, payload):
    return post(base, "/users", payload)


#: The slow mail server of the two tests below, in seconds.
SLOW_MAIL = 2


@pytest.mark.slow
def test_inline_delivery_makes_the_request_wait_for_the_mail_server(live_server, outbox):
    with live_server(MAIL_DELAY_SECONDS=SLOW_MAIL) as base:
        status, body, elapsed = _post(base, GOOD)
        assert status == 201
        # The email is already in the outbox when the response arrives...
        assert len(mail.list_outbox(outbox)) == 1
    # ...because the request waited for the slow mail server.
    assert elapsed >= SLOW_MAIL
    assert body["mail"]["status"] == "sent"


@pytest.mark.timing
def test_inline_delivery_without_delay_does_not_wait_for_a_mail_server(live_server, outbox):
    # The same first signup to a fresh server, with no delay: it answers before the slow mail
    # server above would have (beside two busy loops on two cores, it took 0.08 s at most).
    with live_server() as base:
        status, _, elapsed = _post(base, GOOD)
    assert status == 201 and len(mail.list_outbox(outbox)) == 1
    assert elapsed < SLOW_MAIL, (
        f"a signup with no mail delay took {elapsed:.2f} s, as long as one that waits for a "
        f"{SLOW_MAIL} s mail server")


def test_real_http_bad_input_gets_400(live_server, env):
    with live_server() as base:
        status, body, _ = _post(base, {"name": "Ada\r\nBcc: x@example.com",
                                       "email": "ada@example.com"})
    assert status == 400 and "line break" in body["error"]
    assert users(env) == []
