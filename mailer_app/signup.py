"""Signup's controller: the form, ``POST /users`` and the welcome email (inline or queued).

:func:`register` is the tutorial's ``UsersController#create``; what a valid signup is and how a
failed one is taken back are in :mod:`mailer_app.registration`.
"""

from __future__ import annotations

import time
from typing import Any

import redis
from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from rq.job import Job

from mailer_app import backlog, db, delivery, faults, jobs
from mailer_app.config import production
from mailer_app.registration import (
    DeliveryBroken,
    SignupError,
    redis_or_503,
    store_user,
    undo_signup_on_failure,
    validate_signup,
)

bp = Blueprint("signup", __name__)


def _wants_json() -> bool:
    return request.is_json or request.accept_mimetypes.best == "application/json"


def _error(err: SignupError, form: dict | None = None):
    if _wants_json():
        return {"error": err.message, "field": err.field}, err.status
    return render_template("new_user.html", error=err.message, field=err.field,
                           form=form or {}), err.status


@bp.get("/users/new")
def new_user():
    return render_template("new_user.html", error=None, field=None, form={})


@bp.post("/users")
def create_user():
    started = time.perf_counter()
    if request.is_json:
        data = request.get_json(silent=True)
        if data is None:
            return _error(SignupError("The request body is not valid JSON."))
    else:
        data = request.form.to_dict()
    try:
        user = validate_signup(data)
        result = register(user)
    except SignupError as err:
        return _error(err, data if isinstance(data, dict) else None)
    result["request_seconds"] = round(time.perf_counter() - started, 4)
    session["user_id"] = result["id"]  # in production, only this browser may see the page
    if _wants_json():
        return result, 201
    # A full URL: jupyter-server-proxy prefixes a Location that starts with "/" once more.
    return redirect(url_for("signup.show_user", user_id=result["id"], _external=True), code=303)


def register(user: dict[str, str]) -> dict[str, Any]:
    """Store the user, then send their welcome email: the tutorial's ``UsersController#create``.

    Either the user is stored *and* the email sent or enqueued, or neither: a user whose
    welcome email can never go out is not kept. But these are two writes, to SQLite and to
    Redis, with no transaction around both: notebook 10 kills the process between them, and
    ``MAIL_DELIVERY=relayed`` (:func:`register_relayed`) closes that gap.
    """
    config = current_app.config
    how = config["MAIL_DELIVERY"]
    if how == "relayed":  # notebook 10: the user and their email in one transaction
        return register_relayed(user)
    queue_conn = None if how == "inline" else redis_or_503()
    if how != "inline" and faults.armed(config, "SIGNUP_FAULT", "enqueue-before-commit"):
        return register_enqueue_first(user, how, queue_conn)  # notebook 10's race
    user_id = store_user(user)
    faults.crash_here(config, "SIGNUP_FAULT", "crash-after-commit")  # notebook 10's crash
    with undo_signup_on_failure(user_id) as enqueued:
        sent = send_welcome(user_id, how, queue_conn, enqueued)
    return {"id": user_id, "email": user["email"], "delivery": how, **sent,
            **backlog.notice(config, queue_conn)}


def register_relayed(user: dict[str, str]) -> dict[str, Any]:
    """The transactional outbox: the user and their mail in one SQLite transaction, no Redis.

    The relay (:mod:`mailer_app.relay`, its own process) enqueues the mail afterwards. A crash
    anywhere leaves both rows or neither, and Redis being down does not refuse the signup.
    """
    config = current_app.config
    kinds = ("welcome", "followup") if config["FOLLOWUP_DELAY_SECONDS"] > 0 else ("welcome",)
    hold = (config["FAULT_DELAY_SECONDS"]
            if faults.armed(config, "SIGNUP_FAULT", "enqueue-before-commit") else 0)
    user_id = store_user(user, kinds=kinds, commit_delay=hold)
    faults.crash_here(config, "SIGNUP_FAULT", "crash-after-commit")
    return {"id": user_id, "email": user["email"], "delivery": "relayed",
            **backlog.notice(config, outbox_waiting=True)}


def register_enqueue_first(user: dict[str, str], how: str,
                           queue_conn: redis.Redis) -> dict[str, Any]:
    """The other wrong order, on purpose (``SIGNUP_FAULT=enqueue-before-commit``).

    The user is inserted in a transaction that is still open when the job is enqueued, and
    committed ``FAULT_DELAY_SECONDS`` later: a fast worker looks the user up before the
    commit and does not find them (Django's ``on_commit`` problem; RQ has no such hook).
    """
    conn = db.get_db()
    conn.execute("BEGIN IMMEDIATE")
    try:
        user_id = store_user(user)
        job = delivery.resolve(how)(user_id, queue_conn)
        time.sleep(current_app.config["FAULT_DELAY_SECONDS"])
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return {"id": user_id, "email": user["email"], "delivery": how, "job_id": job.id}


def send_welcome(user_id: int, how: str, queue_conn: redis.Redis | None,
                 enqueued: list[Job]) -> dict[str, Any]:
    """Send the welcome email now (inline), or enqueue it and add its jobs to ``enqueued``."""
    if how == "inline":
        # The "before": the request waits for the mail server.
        return {"mail": jobs.send_user_mail(user_id, "welcome", current_app.config)}
    # The "after": MAIL_DELIVERY names the function that enqueues (see delivery.resolve).
    # The follow-up goes first: due a day later, it can still be taken back if the welcome
    # fails, whereas a welcome enqueued first may already be sending when the follow-up fails.
    followup = current_app.config["FOLLOWUP_DELAY_SECONDS"]
    if followup and followup > 0:
        enqueued.append(delivery.schedule_followup_email(user_id, queue_conn, followup))
    job = delivery.resolve(how)(user_id, queue_conn)
    if not isinstance(job, Job):
        raise DeliveryBroken(f"{how} returned {job!r}, not the job it enqueued")
    enqueued.append(job)
    return {"job_id": job.id}


@bp.get("/users/<int:user_id>")
def show_user(user_id: int):
    if production(current_app.config) and session.get("user_id") != user_id:
        abort(404)  # nobody else's name and address
    user = db.get_user(db.get_db(), user_id)
    if user is None:
        abort(404)
    return render_template("user.html", user=user,
                           delivery=current_app.config["MAIL_DELIVERY"])
