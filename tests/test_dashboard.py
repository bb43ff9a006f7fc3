"""The dashboard at /rq: locked, CSRF-guarded, JSON only (it never unpickles), showing workers."""

from __future__ import annotations

import base64
import hashlib
import inspect
import os
import pickle

import pytest
import rq_dashboard.web
from rq.job import requeue_job
from rq.results import Result
from rq.serializers import JSONSerializer

from mailer_app import create_app
from mailer_app.dashboard import UNREADABLE
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


# --- A job planted in Redis is data to the dashboard, never code --------------------------------

class _Mark:
    """Unpickling this creates the folder ``path``: the mark that pickle ran code."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (os.mkdir, (self.path,))


def _plant(conn, mark) -> str:
    """A failed job whose meta and result are pickles that would leave ``mark`` when loaded."""
    queue = get_queue("default", conn)
    job = queue.enqueue(demo_jobs.fail)
    work(conn)
    conn.hset(job.key, "meta", pickle.dumps(_Mark(mark)))
    results = Result.get_key(job.id)
    (entry_id, fields), = conn.xrevrange(results, count=1)
    conn.xadd(results, {**fields, b"type": b"1",  # a successful result with a pickled value
                        b"return_value": base64.b64encode(pickle.dumps(_Mark(mark)))})
    return job.id


ROUTES = [
    ("GET", "/rq/0/view/job/{id}"),
    ("GET", "/rq/0/data/job/{id}.json"),
    ("GET", "/rq/0/data/jobs/default/failed/8/asc/1.json"),
    ("GET", "/rq/0/data/jobs/default/queued/8/asc/1.json"),
    ("POST", "/rq/job/{id}/requeue"),
    ("POST", "/rq/requeue/default"),
    ("POST", "/rq/job/{id}/delete"),
]


@pytest.mark.parametrize(("method", "route"), ROUTES, ids=[r for _, r in ROUTES])
def test_no_dashboard_route_unpickles_a_planted_job(client, conn, tmp_path, method, route):
    mark = tmp_path / "pickle-ran-here"
    job_id = _plant(conn, mark)
    if "queued" in route:  # a job waiting in the queue, not only in the failed registry
        requeue_job(job_id, conn, serializer=JSONSerializer)
        conn.hset(f"rq:job:{job_id}", "meta", pickle.dumps(_Mark(mark)))
    response = client.open(route.format(id=job_id), method=method, headers=auth())
    assert not mark.exists(), f"{method} {route} unpickled the planted job"
    assert response.status_code == 200, response.data[:500]


def test_a_job_that_is_not_json_is_shown_as_unreadable(client, conn, tmp_path):
    job_id = _plant(conn, tmp_path / "pickle-ran-here")
    data = client.get(f"/rq/0/data/job/{job_id}.json", headers=auth()).json
    assert data["result"] == UNREADABLE and UNREADABLE in data["metadata"]


#: The rq-dashboard routes that load a job, as mailer_app/dashboard.py was written against them
#: (0.9.0). A new version may load jobs differently: read them again before raising the pin.
PINNED_ROUTES = ["job_view", "job_info", "delete_job_view", "requeue_job_view", "requeue_all",
                 "list_jobs", "get_queue_registry_jobs_count", "serialize_job", "list_workers"]
ROUTES_DIGEST = "9e3f0b0db647ee51166225375749555e583eac2f5267f5342a79785ade3b9a84"


def test_the_dashboard_is_the_version_the_fix_is_written_against():
    assert rq_dashboard.web.rq_dashboard_version == "0.9.0"
    source = "".join(inspect.getsource(getattr(rq_dashboard.web, name)) for name in PINNED_ROUTES)
    assert hashlib.sha256(source.encode()).hexdigest() == ROUTES_DIGEST, (
        "rq-dashboard's job routes changed: check that each still loads jobs through the names "
        "mailer_app/dashboard.py replaces (Job, Queue, requeue_job), then update ROUTES_DIGEST")
