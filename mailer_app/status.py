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
    if production(current_app.config):  # counts only: no name leaves a production app here
        return render_template("status.html", users=users, show_newest=False)
    newest = conn.execute("SELECT name FROM users ORDER BY id DESC LIMIT 1").fetchone()
    return render_template("status.html", users=users, show_newest=True,
                           newest=newest["name"] if newest else None)
