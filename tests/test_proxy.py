"""The app behind JupyterLab's jupyter-server-proxy, as a student on a hub or Binder reaches it."""

from __future__ import annotations

import base64

import pytest

from tests.helpers import LAB_TOKEN, jupyter_lab
from workbook import links, services
from workbook.http import request

PREFIX = "/user/ada/proxy/5001"
LOGIN = {"Authorization": "Basic " + base64.b64encode(b"admin:correct horse battery staple")
         .decode()}


def test_links_and_forms_lead_back_through_the_proxy_prefix(client):
    proxied = {"X-Forwarded-Prefix": PREFIX}
    page = client.get("/users/new", headers=proxied).get_data(as_text=True)
    assert f'action="{PREFIX}/users"' in page, "the form would post past the proxy"
    assert f'href="{PREFIX}/rq/"' in page and f'href="{PREFIX}/outbox/"' in page
    dashboard = client.get("/rq/", headers={**proxied, **LOGIN}).get_data(as_text=True)
    assert f"{PREFIX}/rq/" in dashboard, "the dashboard's scripts would call the wrong URLs"


def test_the_redirect_after_signup_is_a_full_url_through_the_proxy(client):
    # jupyter-server-proxy prefixes a Location starting with "/" again; a full URL it leaves.
    answer = client.post("/users", data={"name": "Ada Lovelace", "email": "ada@example.com"},
                         headers={"X-Forwarded-Prefix": PREFIX, "Host": "hub.example",
                                  "X-Forwarded-Proto": "https"})
    assert answer.status_code == 303
    assert answer.headers["Location"] == f"https://hub.example{PREFIX}/users/1"


def test_links_go_through_the_jupyter_server_only_inside_one(monkeypatch):
    links.jupyter_base_url.cache_clear()
    monkeypatch.delenv("JUPYTERHUB_SERVICE_PREFIX", raising=False)
    assert links.browser_url("http://127.0.0.1:5001", "/rq/") == "http://127.0.0.1:5001/rq/"
    links.jupyter_base_url.cache_clear()
    monkeypatch.setenv("JUPYTERHUB_SERVICE_PREFIX", "/user/ada/")
    assert links.browser_url("http://127.0.0.1:5001", "/rq/") == "/user/ada/proxy/5001/rq/"
    link = links.Link("http://127.0.0.1:5001", "/rq/", "the dashboard")
    assert 'href="/user/ada/proxy/5001/rq/" target="_blank"' in link._repr_html_()
    assert repr(link) == "the dashboard: /user/ada/proxy/5001/rq/"
    links.jupyter_base_url.cache_clear()


@pytest.mark.slow
def test_the_app_and_its_dashboard_through_jupyterlab(env, tmp_path):
    with jupyter_lab(tmp_path / "lab") as lab, services.web_server(env) as app:
        port = app.rsplit(":", 1)[1]
        proxied = f"{lab}/proxy/{port}"
        same_site = {"Origin": lab}

        def fetch(url, form=None, headers=None):
            return request(url, form=form, headers=headers, follow_redirects=False)

        answer = fetch(f"{proxied}/users/new")
        assert answer.status in (302, 403), "the proxy must not open the app to a stranger"

        answer = fetch(f"{proxied}/users/new?token={LAB_TOKEN}")
        assert answer.status == 200 and f'action="/proxy/{port}/users"' in answer.text

        answer = fetch(f"{proxied}/rq/?token={LAB_TOKEN}")
        assert answer.status == 401 and answer.headers["WWW-Authenticate"].startswith("Basic")

        answer = fetch(f"{proxied}/users?token={LAB_TOKEN}", headers=same_site,
                       form={"name": "Ada Lovelace", "email": "ada@example.com"})
        assert answer.status == 303, "a signup through the proxy failed"
        location = answer.headers["Location"]
        assert location == f"{proxied}/users/1"
        answer = fetch(f"{location}?token={LAB_TOKEN}")
        assert answer.status == 200 and "Welcome, Ada Lovelace!" in answer.text

        empty = f"{proxied}/rq/queue/default/failed/empty?token={LAB_TOKEN}"
        answer = fetch(empty, form={"x": "1"},
                       headers={**LOGIN, "Origin": "https://evil.example"})
        assert answer.status == 403, "a cross-site POST through the proxy was let in"
        answer = fetch(empty, form={"x": "1"}, headers={**LOGIN, **same_site})
        assert answer.status == 200, "the proxy turned a same-site POST into a cross-site one"
