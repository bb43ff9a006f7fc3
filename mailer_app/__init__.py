"""The mailer app: a signup form whose welcome email goes out inline or through RQ.

``flask --app mailer_app run`` serves it; ``flask --app mailer_app init-db`` creates its tables.
"""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from werkzeug.middleware.proxy_fix import ProxyFix

from mailer_app import dashboard, db, outbox, signup, status, tracing
from mailer_app.config import check_secret_key, load_settings, production


def create_app(test_config: dict | None = None) -> Flask:
    """Create the app from defaults, environment variables and then ``test_config``."""
    app = Flask(__name__)
    app.config.from_mapping(load_settings(test_config))
    check_secret_key(app.config)
    # Behind JupyterLab's jupyter-server-proxy the app lives at <lab>/proxy/<port>/: the proxy
    # says so in X-Forwarded-Prefix (and a hub's HTTPS in X-Forwarded-Proto), so url_for builds
    # links that lead back through it. The Host header passes through unchanged. Trusting these
    # is safe for an app on loopback: a forged header only changes the links in its sender's
    # own answer, and a web page cannot add them to a cross-site request.
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=0, x_proto=1, x_host=0, x_prefix=1)
    tracing.init_app(app)  # a no-op unless TRACE_FILE is set (and the trace extra installed)

    db.init_app(app)
    db.init_db(app.config["DATABASE"])
    app.register_blueprint(signup.bp)
    if not production(app.config):  # the mail folder's pages are a development tool
        app.register_blueprint(outbox.bp)
    app.register_blueprint(status.bp)
    dashboard.init_app(app)

    @app.get("/")
    def index():
        return render_template("index.html", config=app.config)

    @app.errorhandler(413)
    def too_large(error):
        message = (f"The request is too large (at most {app.config['MAX_CONTENT_LENGTH']} bytes).")
        if request.is_json or request.accept_mimetypes.best == "application/json":
            return jsonify(error=message), 413
        return render_template("new_user.html", error=message, field=None, form={}), 413

    return app
