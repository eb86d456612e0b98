"""The page's defences that are not about who you are: session key, cookies, CSRF, headers.

- The session key is never in the code: ``RUNNER_SECRET_KEY``, or a random key
  generated once into ``RUNNER_SECRET_KEY_FILE`` (mode 0600) and reused after.
- Session cookies are HttpOnly and SameSite=Lax, and Secure whenever the request
  came over HTTPS (or ``SESSION_COOKIE_SECURE`` is set).
- Every POST carries the session's CSRF token, in the form (``csrf_token``) or in
  the ``X-CSRF-Token`` header of a JSON request.
- Every response carries a Content-Security-Policy without inline scripts or
  styles and with ``frame-ancestors 'none'``, plus ``nosniff`` and no caching of
  pages that show data.
"""

from __future__ import annotations

import hmac
import os
import secrets
from collections.abc import Iterable
from pathlib import Path

from flask import Flask, abort, request, session
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

from elt_project.private_files import private_folder
from elt_project.settings import Settings

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
_UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)


def secret_key(settings: Settings) -> str:
    """The configured key, or the one in the key file, generated on first start."""
    if settings.runner_secret_key is not None:
        return settings.runner_secret_key.get_secret_value()
    return _key_from_file(settings.secret_key_path)


def _key_from_file(path: Path) -> str:
    private_folder(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_text(encoding="ascii").strip()
        if key:
            return key
        path.unlink()  # an empty file left by a crash: make a new key
        return _key_from_file(path)
    key = secrets.token_hex(32)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key)
    return key


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie session, marked Secure on HTTPS requests even when not configured."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def csrf_token() -> str:
    """This session's CSRF token (made on first use); templates put it in every form."""
    token = session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def check_csrf() -> None:
    """Abort with 400 when an unsafe request lacks this session's token."""
    if request.method not in _UNSAFE_METHODS:
        return
    expected = session.get("csrf")
    if not expected:  # refused before anything reads (and buffers) the body
        abort(400, description="The page had expired; reload it and try again.")
    given = request.headers.get(CSRF_HEADER) or request.form.get(CSRF_FIELD)
    if not given or not hmac.compare_digest(str(expected), str(given)):
        abort(400, description="The page had expired; reload it and try again.")


def add_security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if not request.path.startswith("/static/"):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


class TrustedProxyFix:
    """werkzeug's :class:`ProxyFix` (one hop of ``X-Forwarded-For``/``-Proto``/``-Host``), for named proxies only.

    ``X-Forwarded-For`` is whatever the client wrote unless a proxy we know replaced
    it. So the headers are believed only on connections from ``RUNNER_TRUSTED_PROXIES``;
    from anywhere else they are ignored and the socket's address stays the client's
    (the login throttle counts per address, so a forged header must not move it).
    """

    def __init__(self, wsgi_app, trusted: Iterable[str]) -> None:
        self.trusted = frozenset(a.strip() for a in trusted if a.strip())
        self.plain = wsgi_app
        self.fixed = ProxyFix(wsgi_app, x_for=1, x_proto=1, x_host=1)

    def __call__(self, environ, start_response):
        if environ.get("REMOTE_ADDR") in self.trusted:
            return self.fixed(environ, start_response)
        return self.plain(environ, start_response)


def init_app(app: Flask, settings: Settings) -> None:
    app.session_interface = SessionInterface()
    if settings.runner_trusted_proxies:
        app.wsgi_app = TrustedProxyFix(app.wsgi_app, settings.runner_trusted_proxies.split(","))
    app.before_request(check_csrf)
    app.after_request(add_security_headers)
    app.jinja_env.globals["csrf_token"] = csrf_token
