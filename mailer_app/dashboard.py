"""rq-dashboard, mounted at /rq behind a password, as the tutorial mounts Sidekiq::Web.

rq-dashboard 0.9 has no authentication of its own, empties queues on any POST, requeues on a
GET, and reads jobs with pickle unless told otherwise. This module puts a guard in front of
it and makes it read the workbook's JSON jobs.
"""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

import rq_dashboard
import rq_dashboard.web
from flask import Flask, Response, current_app, jsonify, request
from rq import Worker
from rq.serializers import JSONSerializer

from mailer_app.queues import AllowlistJob

PREFIX = "/rq"
DEV_USER, DEV_PASSWORD = "admin", "admin"
_UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# Endpoints that change state but rq-dashboard also answers on GET.
_STATE_CHANGING = {"rq_dashboard.requeue_all"}


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
                             job_class=AllowlistJob):
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
    rq_dashboard.web.setup_rq_connection(app)
    app.register_blueprint(rq_dashboard.blueprint, url_prefix=PREFIX)
    app.view_functions["rq_dashboard.list_workers"] = _list_workers
    app.before_request(guard)
