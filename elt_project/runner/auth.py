"""Who is using the page: log in, log out, and the account of every request.

Accounts mode: a login form checked against ``elt_users``; a successful login
starts a fresh session (old contents dropped, new session id and CSRF token);
logging out ends it on the server too, so an old cookie is worthless, and a
changed password ends every other session of that person
(:mod:`elt_project.auth.sessions`). Password guessing is slowed per (address,
name) and per name (:mod:`elt_project.auth.throttle`; 429), with the same answer
whether or not the name exists.

Desktop mode: no login page; the person is the database login in the
credential store (:mod:`elt_project.auth.desktop`).

Either way the account is read again on every request, so a disabled account
or a changed role takes effect at once.
"""

from __future__ import annotations

import functools
import secrets
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from elt_project.auth.accounts import Account, authenticate, get_account, set_password
from elt_project.auth.desktop import desktop_account
from elt_project.auth.sessions import SessionRegistry, password_stamp
from elt_project.errors import ConfigurationError, WarehouseUnavailable
from elt_project.runner.services import WAREHOUSE_DOWN, reading_warehouse, services

bp = Blueprint("auth", __name__)

BAD_LOGIN = "The name or password is wrong, or the account is switched off."


def desktop_mode() -> bool:
    return services().settings.runner_auth == "desktop"


def _sessions() -> SessionRegistry:
    return current_app.extensions["elt_sessions"]


def signed_in_cookie() -> bool:
    """True when the cookie names a session this process started (no warehouse read, no body read)."""
    name = session.get("user")
    return bool(name) and _sessions().owner(session.get("sid")) == name


@bp.before_app_request
def load_account() -> None:
    """Set ``g.account`` (None when nobody is logged in) and ``g.identity_problem`` for the page."""
    g.account = None
    g.identity_problem = None
    if request.endpoint in ("static", "healthz"):
        return
    try:
        if desktop_mode():
            g.account = reading_warehouse(desktop_account, services().settings)
            if g.account is None:
                g.identity_problem = "Your account is switched off; ask an administrator."
            return
        sid, name = session.get("sid"), session.get("user")
        if not sid or not name or _sessions().owner(sid) != name:
            return  # no warehouse read for a cookie this process never issued
        account = reading_warehouse(get_account, name)
        stamp = reading_warehouse(password_stamp, name)
        if account is None or not account.is_active or not _sessions().check(sid, name, stamp):
            _end_session()
            return
        g.account = account
    except WarehouseUnavailable as exc:
        g.identity_problem = str(exc)
    except ConfigurationError as exc:  # desktop mode without a stored login
        g.identity_problem = str(exc)


def login_required(view):
    """Refuse anonymous requests: 401 for the page's scripts, the login page for a person."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if g.account is None:
            if request.path.startswith("/api/") or request.is_json or request.method != "GET":
                abort(401, description=g.identity_problem or "Please log in first.")
            if desktop_mode() or g.identity_problem:
                return render_template("message.html", title="Data Importer", message=g.identity_problem), 503
            return redirect(url_for("auth.login", next=request.path))
        return view(*args, **kwargs)

    return wrapped


def current_account() -> Account:
    return g.account


@bp.route("/login", methods=("GET", "POST"))
def login():
    if desktop_mode():
        return redirect(url_for("imports.index"))
    if request.method == "GET":
        return render_template("login.html", problem=None)
    username = (request.form.get("username") or "").strip()
    password = request.form.get("password") or ""
    address = request.remote_addr
    throttle = current_app.extensions["elt_throttle"]
    wait = throttle.retry_after(username, address)
    if wait:
        return render_template("login.html", problem=f"Too many failed tries; try again in {_duration(wait)}."), 429
    try:
        account = reading_warehouse(authenticate, username, password)
    except WarehouseUnavailable:
        return render_template("login.html", problem=WAREHOUSE_DOWN), 503
    if account is None:
        throttle.record_failure(username, address)
        return render_template("login.html", problem=BAD_LOGIN), 401
    throttle.record_success(username, address)
    _start_session(account)
    return redirect(_safe_next(request.args.get("next")))


def _duration(seconds: int) -> str:
    """``20 seconds``, ``1 minute``, ``5 minutes``."""
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = round(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


@bp.route("/password", methods=("GET", "POST"))
def change_password():
    """The person changes their own password; every other session of theirs ends, this one stays."""
    if desktop_mode():
        abort(404)
    if g.account is None:
        return redirect(url_for("auth.login", next=request.path))
    if request.method == "GET":
        return render_template("password.html", problem=None)
    name = g.account.username
    throttle = current_app.extensions["elt_throttle"]
    if throttle.retry_after(name, request.remote_addr):
        return render_template("password.html", problem="Too many failed tries; try again in a few minutes."), 429
    current = request.form.get("current_password") or ""
    new, again = request.form.get("new_password") or "", request.form.get("new_password_again") or ""
    if reading_warehouse(authenticate, name, current) is None:
        throttle.record_failure(name, request.remote_addr)
        return render_template("password.html", problem="The current password is wrong; type it again."), 400
    if new != again:
        return render_template("password.html", problem="The two new passwords differ; type them again."), 400
    try:
        reading_warehouse(set_password, name, new)
    except ConfigurationError as exc:
        return render_template("password.html", problem=str(exc)), 400
    sid = session.get("sid")
    _sessions().restamp(sid, reading_warehouse(password_stamp, name))
    ended = _sessions().end_others(name, keep_sid=sid)
    others = f" {ended} other session{'s' if ended != 1 else ''} of yours {'were' if ended != 1 else 'was'} logged out."
    flash("Your password is changed." + (others if ended else ""))
    return redirect(url_for("imports.index"), code=303)


@bp.post("/logout")
def logout():
    _end_session()
    if desktop_mode():
        return redirect(url_for("imports.index"))
    flash("You are logged out.")
    return redirect(url_for("auth.login"))


def _start_session(account: Account) -> None:
    session.clear()
    sid = _sessions().start(account.username, reading_warehouse(password_stamp, account.username))
    session["sid"] = sid
    session["user"] = account.username
    session["csrf"] = secrets.token_urlsafe(32)
    session.permanent = True


def _end_session() -> None:
    _sessions().end(session.get("sid"))
    session.clear()


def _safe_next(target: str | None) -> str:
    """A path on this site to go to after logging in; anything else gives the start page.

    Browsers drop tabs and newlines inside a URL and read a backslash as a slash, so
    ``/<tab>/evil.example`` or ``/<backslash>evil.example`` would leave the site: those characters
    are removed (or refused) before the value is parsed, and only a value with no scheme,
    no host and a path starting with exactly one ``/`` is kept. The value handed back is
    the cleaned one, so what was checked is what the ``Location`` header carries.
    """
    cleaned = "".join(ch for ch in (target or "") if ch.isprintable() and not ch.isspace())
    if not cleaned or "\\" in cleaned or cleaned.startswith("//"):  # ``///host`` is a host to a browser
        return url_for("imports.index")
    parts = urlsplit(cleaned)
    path = parts.path
    if parts.scheme or parts.netloc or not path.startswith("/") or path.startswith("//"):
        return url_for("imports.index")
    return cleaned
