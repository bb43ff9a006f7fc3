"""APP_ENV=production: personal data only where it belongs (the mail folder and other users'
pages are development tools, as letter_opener is in the tutorial)."""

from __future__ import annotations

import pytest

from mailer_app import create_app

ADA = {"name": "Ada Lovelace", "email": "ada@example.com"}
SECRET = "a-long-random-string-of-this-deployment"


@pytest.fixture
def production(env, monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", SECRET)
    return create_app({"TESTING": True})


def test_production_refuses_to_start_without_a_secret_key_of_its_own(env, monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    for key in ("dev", ""):
        monkeypatch.setenv("SECRET_KEY", key)
        with pytest.raises(ValueError, match="SECRET_KEY of its own"):
            create_app()


def test_production_serves_no_mail_folder(production):
    client = production.test_client()
    client.post("/users", json=ADA)
    assert client.get("/outbox/").status_code == 404
    assert client.get("/outbox").status_code == 404


def test_a_users_page_is_served_only_to_the_browser_that_signed_up(production):
    ada = production.test_client()
    created = ada.post("/users", data=ADA)
    assert created.status_code == 303
    assert b"ada@example.com" in ada.get(created.headers["Location"]).data
    stranger = production.test_client()
    assert stranger.get(created.headers["Location"]).status_code == 404
    assert stranger.get("/users/1").status_code == 404


def test_production_status_shows_counts_never_names(production):
    client = production.test_client()
    client.post("/users", json=ADA)
    page = client.get("/status").get_data(as_text=True)
    assert "Users: 1" in page
    assert "Ada" not in page and "ada@" not in page


def test_development_keeps_its_tools(app):
    client = app.test_client()
    client.post("/users", json=ADA)
    assert client.get("/outbox/").status_code == 200
    assert app.test_client().get("/users/1").status_code == 200
    assert "Ada Lovelace" in client.get("/status").get_data(as_text=True)
