"""The dashboard at /rq: locked, CSRF-guarded, JSON-aware, and showing busy workers."""

from __future__ import annotations

import base64

import pytest

from mailer_app import create_app
from tests.helpers import work
from workbook import demo_jobs
from workbook.demo_jobs import get_queue
from workbook.monitor import render_html, snapshot
from workbook.processes import wait_until

PASSWORD = "correct horse battery staple"


def auth(user="admin", password=PASSWORD):
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest.mark.parametrize("path", ["/rq/", "/rq/0/data/queues.json", "/rq/0/view/workers"])
def test_dashboard_asks_for_credentials(client, path):
    response = client.get(path)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Basic")


@pytest.mark.parametrize(("user", "password"), [
    ("admin", "wrong"), ("root", PASSWORD), ("admin", ""), ("admin", PASSWORD + "x"),
])
def test_wrong_credentials_get_401(client, user, password):
    assert client.get("/rq/", headers=auth(user, password)).status_code == 401


def test_right_credentials_get_the_dashboard(client, conn):
    get_queue("mailers", conn).enqueue(demo_jobs.noop)
    page = client.get("/rq/", headers=auth())
    assert page.status_code == 200
    assert b"RQ-dashboard" in page.data and b"<h1>Queues</h1>" in page.data
    data = client.get("/rq/0/data/queues.json", headers=auth()).json
    assert {"name": "mailers", "count": 1} in [
        {"name": q["name"], "count": q["count"]} for q in data["queues"]]


def test_no_password_configured_means_closed(env, monkeypatch):
    monkeypatch.setenv("DASHBOARD_PASSWORD", "")
    client = create_app().test_client()
    response = client.get("/rq/", headers=auth("admin", "admin"))
    assert response.status_code == 403 and b"DASHBOARD_PASSWORD" in response.data


def test_dev_mode_opens_with_admin_admin(env, monkeypatch):
    monkeypatch.setenv("DASHBOARD_PASSWORD", "")
    monkeypatch.setenv("DASHBOARD_DEV_MODE", "1")
    client = create_app().test_client()
    assert client.get("/rq/", headers=auth("admin", "admin")).status_code == 200


def test_requeue_by_get_is_refused(client, conn):
    q = get_queue("default", conn)
    job = q.enqueue(demo_jobs.fail)

    work(conn)
    response = client.get("/rq/requeue/default", headers=auth())
    assert response.status_code == 405 and response.headers["Allow"] == "POST"
    assert job.id in q.failed_job_registry


@pytest.mark.parametrize("headers", [
    {"Origin": "https://evil.example"},
    {"Referer": "https://evil.example/page"},
    {"Sec-Fetch-Site": "cross-site"},
    {"Origin": "null"},
])
def test_cross_site_posts_are_refused(client, conn, headers):
    q = get_queue("default", conn)
    q.enqueue(demo_jobs.noop)
    response = client.post("/rq/queue/default/queued/empty", headers={**auth(), **headers})
    assert response.status_code == 403
    assert q.count == 1


def test_same_site_post_requeues_json_jobs(client, conn):
    q = get_queue("default", conn)
    job = q.enqueue(demo_jobs.fail)

    work(conn)
    response = client.post("/rq/requeue/default",
                           headers={**auth(), "Origin": "http://localhost"})
    assert response.status_code == 200 and response.json == {"status": "OK", "count": 1}
    assert job.id in q.get_job_ids()


@pytest.mark.slow
def test_workers_page_answers_while_a_worker_is_busy(client, conn, worker):
    worker(["default"])
    job = get_queue("default", conn).enqueue(demo_jobs.sleep_for, 3)
    wait_until(lambda: job.get_status(refresh=True) == "started", timeout=15)
    response = client.get("/rq/0/data/workers.json", headers=auth())
    assert response.status_code == 200
    [busy] = response.json["workers"]
    assert busy["state"] == "busy"
    assert busy["current_job"]["job_id"] == job.id
    assert "workbook.demo_jobs.sleep_for(3)" in busy["current_job"]["call_string"]
    data = snapshot(conn)
    assert data["queues"]["default"]["started"] == 1
    assert "1 busy" in render_html(data)
