"""The Data Importer page: a Flask app made by :func:`create_app`, served by ``simple_ui.py``.

One blueprint per concern: :mod:`.auth` (who you are), :mod:`.imports` (the page
and the list of your imports), :mod:`.runs` (launching and watching runs),
:mod:`.uploads` (dropping a file for an import). The logic they call lives in
Flask-free modules: ``auth/`` for accounts and permissions, ``pipeline.overview``
for what the run logs say, ``ingest.uploads`` for files, and
``orchestration.launch`` / ``orchestration.dagster_client`` for Dagster.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from elt_project.auth.desktop import check_desktop_bind
from elt_project.auth.sessions import SessionRegistry
from elt_project.auth.throttle import LoginThrottle
from elt_project.errors import EltError
from elt_project.runner import security
from elt_project.runner.server import max_body_bytes
from elt_project.runner.services import Services
from elt_project.settings import Settings, load_settings

log = logging.getLogger(__name__)


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app; ``test_config`` may hold Flask settings and ``SETTINGS`` (a :class:`Settings`)."""
    app = Flask(__name__)
    config = dict(test_config or {})
    settings: Settings = config.pop("SETTINGS", None) or load_settings()
    check_desktop_bind(settings)
    app.config.from_mapping(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="elt_importer_session",
        PERMANENT_SESSION_LIFETIME=8 * 3600,
        MAX_CONTENT_LENGTH=max_body_bytes(settings),
    )
    app.config.update(config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = security.secret_key(settings)
    app.extensions["elt_services"] = Services.build(settings, dagster_url=app.config.get("DAGSTER_URL"))
    app.extensions["elt_throttle"] = app.config.get("THROTTLE") or LoginThrottle()
    app.extensions["elt_sessions"] = SessionRegistry(lifetime_s=app.permanent_session_lifetime.total_seconds())
    from elt_project.runner import auth, imports, runs, uploads

    app.before_request(uploads.refuse_anonymous_bodies)  # first: before CSRF or anything reads the body
    security.init_app(app, settings)

    app.register_blueprint(auth.bp)
    app.register_blueprint(imports.bp)
    app.register_blueprint(runs.bp)
    app.register_blueprint(uploads.bp)

    @app.get("/healthz")
    def healthz() -> Response:
        """For the launcher: answers without a login and without touching the warehouse."""
        return Response("ok", mimetype="text/plain")

    _register_error_pages(app)
    return app


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.is_json or request.accept_mimetypes.best == "application/json"


def _register_error_pages(app: Flask) -> None:
    """One sentence per error, as JSON for the page's scripts and HTML otherwise; never a traceback."""

    def answer(status: int, message: str):
        if wants_json():
            return jsonify({"error": message}), status
        return render_template("message.html", title="Data Importer", message=message), status

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        default = {
            401: "Please log in first.",
            403: "You may not do that.",
            404: "There is nothing at this address.",
            405: "That is not something this page does.",
            413: "The file is larger than the upload limit; split it or ask an administrator.",
        }
        own = exc.description and exc.description != type(exc).description  # ours, not werkzeug's text
        message = exc.description if own else None
        return answer(exc.code or 500, message or default.get(exc.code or 500, "The request was not understood."))

    @app.errorhandler(EltError)
    def project_error(exc: EltError):
        return answer(503, str(exc))

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("Unexpected error on %s", request.path)
        return answer(500, "Something went wrong on the server; try again, or ask an administrator to check its log.")
