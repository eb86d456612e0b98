"""Who is using the page: log in, log out, and the account of every request.

Accounts mode: a login form checked against ``elt_users``; a successful login
starts a fresh session (old contents dropped, new session id and CSRF token);
logging out ends it on the server too, so an old cookie is worthless. Repeated
failures per name or address are refused for a while (429), with the same
answer whether or not the name exists.

Desktop mode: no login page; the person is the database login in the
credential store (:mod:`elt_project.auth.desktop`).

Either way the account is read again on every request, so a disabled account
or a changed role takes effect at once.
"""

from __future__ import annotations

import functools
import secrets

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

from elt_project.auth.accounts import Account, authenticate, get_account
from elt_project.auth.desktop import desktop_account
from elt_project.errors import ConfigurationError, WarehouseUnavailable
from elt_project.runner.services import WAREHOUSE_DOWN, reading_warehouse, services

bp = Blueprint("auth", __name__)

BAD_LOGIN = "The name or password is wrong, or the account is switched off."


def desktop_mode() -> bool:
    return services().settings.runner_auth == "desktop"


def _sessions() -> dict[str, str]:
    return current_app.extensions["elt_sessions"]


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
        if not sid or not name or _sessions().get(sid) != name:
            return
        account = reading_warehouse(get_account, name)
        if account is None or not account.is_active:
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
        minutes = max(1, round(wait / 60))
        problem = f"Too many failed tries; try again in {minutes} minute{'s' if minutes != 1 else ''}."
        return render_template("login.html", problem=problem), 429
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


@bp.post("/logout")
def logout():
    _end_session()
    if desktop_mode():
        return redirect(url_for("imports.index"))
    flash("You are logged out.")
    return redirect(url_for("auth.login"))


def _start_session(account: Account) -> None:
    session.clear()
    sid = secrets.token_urlsafe(32)
    _sessions()[sid] = account.username
    session["sid"] = sid
    session["user"] = account.username
    session["csrf"] = secrets.token_urlsafe(32)
    session.permanent = True


def _end_session() -> None:
    sid = session.get("sid")
    if sid:
        _sessions().pop(sid, None)
    session.clear()


def _safe_next(target: str | None) -> str:
    """Only paths on this site: ``//evil`` or ``https://evil`` go to the start page instead."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("imports.index")
