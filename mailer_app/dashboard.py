"""rq-dashboard, mounted at /rq behind a password, as the tutorial mounts Sidekiq::Web.

rq-dashboard 0.9 has no authentication of its own, empties queues on any POST, requeues on a
GET, and reads jobs with pickle unless told otherwise, and in three places (a job's page, its
delete and its requeue) whatever it is told. Unpickling runs code: a job hash planted in Redis
would run inside this process when an admin opens it. This module puts a guard in front of the
dashboard and makes every route read jobs as JSON only, through :class:`DashboardJob`.
``tests/test_dashboard.py`` pins the routes this is written against (rq-dashboard 0.9.0).
"""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

import rq_dashboard
import rq_dashboard.web
from flask import Flask, Response, current_app, jsonify, request
from rq import Queue, Worker
from rq.results import Result
from rq.serializers import JSONSerializer

from mailer_app.queues import AllowlistJob

PREFIX = "/rq"
DEV_USER, DEV_PASSWORD = "admin", "admin"
_UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# Endpoints that change state but rq-dashboard also answers on GET.
_STATE_CHANGING = {"rq_dashboard.requeue_all"}


#: What the dashboard shows for a value in Redis that is not JSON (never unpickled).
UNREADABLE = "(unreadable: not JSON)"


class UnreadableResult:
    """Stands in for a result whose value is not JSON: the page shows it as unreadable."""

    type = Result.Type.SUCCESSFUL  # so the value column shows UNREADABLE, not nothing
    return_value = exc_string = UNREADABLE


class DashboardJob(AllowlistJob):
    """A job as the dashboard reads it: JSON whatever the caller asks for, and never executed.

    A ``meta``, result or argument list that is not JSON (a pickle someone planted) is shown
    as :data:`UNREADABLE`: JSON parsing cannot run code, and the error stays on the page.
    """

    def __init__(self, id=None, connection=None, serializer=None):
        super().__init__(id, connection=connection, serializer=JSONSerializer)

    def get_meta(self, refresh: bool = True) -> dict:
        try:
            return super().get_meta(refresh)
        except Exception:  # whatever the bytes were, they are not JSON
            return {"meta": UNREADABLE}

    def latest_result(self, timeout: int = 0) -> Result | UnreadableResult | None:
        try:
            return super().latest_result(timeout)
        except Exception:
            return UnreadableResult()

    def get_call_string(self) -> str | None:
        try:
            return super().get_call_string()
        except Exception:
            return UNREADABLE


class DashboardQueue(Queue):
    """A queue whose jobs the dashboard lists as :class:`DashboardJob` (JSON only)."""

    job_class = DashboardJob

    def __init__(self, *args, serializer=None, **kwargs):
        super().__init__(*args, serializer=JSONSerializer, **kwargs)


def _requeue_job(job_id: str, connection) -> DashboardJob:
    """rq's ``requeue_job``, reading the job as JSON (rq's own reads it with pickle)."""
    return DashboardJob.fetch(job_id, connection=connection).requeue()


def credentials(config) -> tuple[str, str] | None:
    """The dashboard's user and password, or None when none is configured (dashboard closed)."""
    if config["DASHBOARD_PASSWORD"]:
        return config["DASHBOARD_USER"], config["DASHBOARD_PASSWORD"]
    if config["DASHBOARD_DEV_MODE"]:
        return DEV_USER, DEV_PASSWORD
    return None


def _authorized(expected: tuple[str, str]) -> bool:
    auth = request.authorization
    if auth is None or auth.type != "basic":
        return False
    given_user = (auth.username or "").encode()
    given_password = (auth.password or "").encode()
    # Compare both, always, in constant time: no early exit that leaks which one was wrong.
    user_ok = hmac.compare_digest(given_user, expected[0].encode())
    password_ok = hmac.compare_digest(given_password, expected[1].encode())
    return user_ok and password_ok


def _cross_site() -> bool:
    """Whether an unsafe request came from another site (browser-sent headers)."""
    if request.headers.get("Sec-Fetch-Site", "").lower() == "cross-site":
        return True
    origin = request.headers.get("Origin") or request.headers.get("Referer")
    if origin and origin != "null":
        return urlsplit(origin).netloc != request.host
    return origin == "null"


def guard():
    """Run before every dashboard request: 401, 403 (cross-site) or 405 (GET that changes)."""
    if request.blueprint != "rq_dashboard":
        return None
    expected = credentials(current_app.config)
    if expected is None:
        return Response("The dashboard is closed: set DASHBOARD_PASSWORD (or DASHBOARD_DEV_MODE=1 "
                        "on your own machine) to open it.\n", 403, mimetype="text/plain")
    if not _authorized(expected):
        return Response("Log in to see the job dashboard.\n", 401,
                        {"WWW-Authenticate": 'Basic realm="RQ dashboard", charset="UTF-8"'},
                        mimetype="text/plain")
    if request.method in _UNSAFE and _cross_site():
        return Response("Refused: this request came from another site.\n", 403,
                        mimetype="text/plain")
    if request.endpoint in _STATE_CHANGING and request.method not in _UNSAFE:
        return Response("Use POST to requeue jobs.\n", 405, {"Allow": "POST"},
                        mimetype="text/plain")
    return None


def _list_workers(instance_number):
    """workers.json, reading each worker's current job with the JSON serializer.

    rq-dashboard 0.9 builds workers with pickle, so a busy worker's JSON job raised
    DeserializationError and the page answered 500.
    """

    workers = []
    for worker in Worker.all(connection=current_app.redis_conn, serializer=JSONSerializer,
                             job_class=DashboardJob):
        workers.append(dict(
            name=worker.name, pid=worker.pid, queues=[q.name for q in worker.queues],
            state=str(worker.get_state()),
            current_job=rq_dashboard.web.serialize_current_job(worker.get_current_job()),
            last_heartbeat=worker.last_heartbeat, birth_date=worker.birth_date,
            successful_job_count=worker.successful_job_count,
            failed_job_count=worker.failed_job_count,
            total_working_time=worker.total_working_time,
            version=getattr(worker, "version", ""),
            python_version=getattr(worker, "python_version", ""),
        ))
    workers.sort(key=lambda w: (w["state"], w["queues"], w["name"]))
    return jsonify(workers=workers), {"Cache-Control": "no-store"}


def init_app(app: Flask) -> None:
    """Mount rq-dashboard at /rq with the guard and the JSON serializer."""
    app.config["RQ_DASHBOARD_REDIS_URL"] = app.config["REDIS_URL"]
    rq_dashboard.web.config.serializer = JSONSerializer
    # The routes that load a job call these names of rq_dashboard.web; each now reads JSON.
    rq_dashboard.web.Job = DashboardJob
    rq_dashboard.web.Queue = DashboardQueue
    rq_dashboard.web.requeue_job = _requeue_job
    rq_dashboard.web.setup_rq_connection(app)
    app.register_blueprint(rq_dashboard.blueprint, url_prefix=PREFIX)
    app.view_functions["rq_dashboard.list_workers"] = _list_workers
    app.before_request(guard)
