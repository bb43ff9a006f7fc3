"""/outbox: the letter_opener page that lists sent messages and shows each one rendered."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template

from mailer_app import mail

bp = Blueprint("outbox", __name__, url_prefix="/outbox")


@bp.get("/")
def index():
    messages = mail.list_outbox(current_app.config["OUTBOX_DIR"])
    return render_template("outbox.html", messages=messages,
                           backend=current_app.config["MAIL_BACKEND"])


@bp.get("/<message_id>")
def show(message_id: str):
    messages = {m["id"]: m for m in mail.list_outbox(current_app.config["OUTBOX_DIR"])}
    if message_id not in messages:
        abort(404)
    body = mail.outbox_html(current_app.config["OUTBOX_DIR"], message_id)
    return render_template("message.html", message=messages[message_id], body=body)


@bp.get("/<message_id>/raw")
def raw(message_id: str):
    messages = {m["id"]: m for m in mail.list_outbox(current_app.config["OUTBOX_DIR"])}
    if message_id not in messages:
        abort(404)
    return messages[message_id]["path"].read_bytes(), 200, {"Content-Type": "message/rfc822"}
