"""/status: a small page the recurring scrape job fetches (the workbook has no internet)."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from mailer_app import db
from mailer_app.config import production

bp = Blueprint("status", __name__)


@bp.get("/status")
def status():
    conn = db.get_db()
    users = db.count_users(conn)
    given_up = conn.execute("SELECT COUNT(*) FROM mail_outbox WHERE dead_at IS NOT NULL"
                            ).fetchone()[0]
    if production(current_app.config):  # counts only: no name leaves a production app here
        return render_template("status.html", users=users, given_up=given_up,
                               show_newest=False)
    newest = conn.execute("SELECT name FROM users ORDER BY id DESC LIMIT 1").fetchone()
    return render_template("status.html", users=users, given_up=given_up, show_newest=True,
                           newest=newest["name"] if newest else None)
