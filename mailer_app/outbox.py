"""/outbox: the letter_opener page that lists sent messages and shows each one rendered."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template

from mailer_app import mail

bp = Blueprint("outbox", __name__, url_prefix="/outbox")

#: An email's HTML is someone else's markup, and these pages show it: nothing on them may run
#: a script. ``default-src 'none'`` forbids scripts (inline ones and event handlers included),
#: fetches, fonts and plugins; the email keeps its inline CSS (``style-src 'unsafe-inline'``)
#: and inline images (``img-src data:``) but loads no tracking pixel; ``frame-src 'self'`` lets
#: a page frame this app's own pages and nothing else. The ``<iframe srcdoc>`` that shows an
#: email inherits this policy, and its empty ``sandbox`` attribute refuses scripts once more.
CONTENT_SECURITY_POLICY = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                           "frame-src 'self'; base-uri 'none'; form-action 'none'")
#: The raw HTML view is the email alone, opened as a page of its own: ``sandbox`` gives it
#: what the iframe's attribute gives the show page (a unique origin, no scripts).
SANDBOXED_PAGE_POLICY = f"sandbox; {CONTENT_SECURITY_POLICY}"


@bp.after_request
def forbid_scripts(response):
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    # A browser must not guess that a raw .eml or .html answer is something else.
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _find(message_id: str) -> dict:
    messages = {m["id"]: m for m in mail.list_outbox(current_app.config["OUTBOX_DIR"])}
    if message_id not in messages:
        abort(404)
    return messages[message_id]


@bp.get("/")
def index():
    messages = mail.list_outbox(current_app.config["OUTBOX_DIR"])
    return render_template("outbox.html", messages=messages,
                           backend=current_app.config["MAIL_BACKEND"])


@bp.get("/<message_id>")
def show(message_id: str):
    message = _find(message_id)
    body = mail.outbox_html(current_app.config["OUTBOX_DIR"], message_id)
    return render_template("message.html", message=message, body=body)


@bp.get("/<message_id>/html")
def html(message_id: str):
    _find(message_id)
    body = mail.outbox_html(current_app.config["OUTBOX_DIR"], message_id)
    return body, 200, {"Content-Type": "text/html; charset=utf-8",
                       "Content-Security-Policy": SANDBOXED_PAGE_POLICY}


@bp.get("/<message_id>/raw")
def raw(message_id: str):
    return _find(message_id)["path"].read_bytes(), 200, {"Content-Type": "message/rfc822"}
