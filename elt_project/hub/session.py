"""What every hub page shares: settings, the warehouse engine, and who is logged in.

Settings and the engine are cached per process: settings keyed by everything a load
would read (every setting's variable and the ``.env`` file's stamp), the engine by the
warehouse URL, so any changed setting takes effect and a changed ``DATABASE_URL`` gets a
new engine. The logged-in account lives in
``st.session_state``; :func:`require_role` re-reads it from ``elt_users`` on every
call, so a disabled or demoted account loses access on its next click.
"""

from __future__ import annotations

import streamlit as st
from sqlalchemy.engine import Engine

from elt_project.auth import accounts
from elt_project.auth.accounts import Account
from elt_project.auth.roles import has_role
from elt_project.auth.throttle import LoginThrottle
from elt_project.db.engine import create_warehouse_engine
from elt_project.settings import Settings, load_settings, sources_fingerprint

#: Session-state key of the logged-in :class:`Account`.
ACCOUNT_KEY = "hub_account"


@st.cache_resource(show_spinner=False)
def _settings_for(key: tuple) -> Settings:
    del key  # only the cache key: load_settings reads the same environment
    return load_settings()


def hub_settings() -> Settings:
    """The process's settings, rebuilt only when a setting's variable or the ``.env`` file changes."""
    return _settings_for(sources_fingerprint())


@st.cache_resource(show_spinner=False)
def _engine_for(url: str) -> Engine:
    return create_warehouse_engine(url)


def hub_engine() -> Engine:
    """The shared warehouse engine (read-write; users' SQL goes through analytics' read-only path)."""
    url = hub_settings().warehouse_url().render_as_string(hide_password=False)
    return _engine_for(url)


@st.cache_resource(show_spinner=False)
def login_throttle() -> LoginThrottle:
    """One throttle per hub process, shared by every browser session."""
    return LoginThrottle()


def current_account() -> Account | None:
    """The account this browser session logged in as, or None."""
    account = st.session_state.get(ACCOUNT_KEY)
    return account if isinstance(account, Account) else None


def log_in(account: Account) -> None:
    st.session_state[ACCOUNT_KEY] = account


def log_out() -> None:
    st.session_state.pop(ACCOUNT_KEY, None)


def fresh_account() -> Account | None:
    """The logged-in account as ``elt_users`` has it now; None (and logged out) when gone or disabled."""
    account = current_account()
    if account is None:
        return None
    stored = accounts.get_account(hub_engine(), account.username)
    if stored is None or not stored.is_active:
        log_out()
        return None
    if stored != account:
        log_in(stored)
    return stored


def require_role(minimum: str) -> Account:
    """The logged-in account when its current role reaches ``minimum``; otherwise refuse and stop."""
    account = fresh_account()
    if account is None:
        st.warning("Please log in to use the hub.")
        st.stop()
    if not has_role(account.role, minimum):
        st.error(f"This needs the {minimum} role or higher; your role is {account.role}. Ask an admin.")
        st.stop()
    return account
