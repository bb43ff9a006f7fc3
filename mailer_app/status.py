"""/status: a small page the recurring scrape job fetches (the workbook has no internet)."""

from __future__ import annotations

from flask import Blueprint, render_template

from mailer_app import db

bp = Blueprint("status", __name__)


@bp.get("/status")
def status():
    conn = db.get_db()
    users = db.count_users(conn)
    newest = conn.execute("SELECT name FROM users ORDER BY id DESC LIMIT 1").fetchone()
    return render_template("status.html", users=users, newest=newest["name"] if newest else None)
