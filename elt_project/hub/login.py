"""The hub's login form: the same ``elt_users`` accounts and throttle as the Data Importer page."""

from __future__ import annotations

import streamlit as st

from elt_project.auth import accounts
from elt_project.errors import EltError
from elt_project.hub import session
from elt_project.hub.text import literal_markdown


def _client_address() -> str | None:
    """The browser's address as Streamlit reports it; None when it has none to give (no connection, tests)."""
    try:
        address = st.context.ip_address
    except Exception:  # older Streamlit or no browser connection
        return None
    return address if isinstance(address, str) and address else None


def render_login() -> None:
    """Show the form; on a good password store the account in the session and rerun."""
    st.title("Analytics & AI Hub")
    st.caption("Log in with your Data Importer account.")
    with st.form("hub_login"):
        username = st.text_input("User name", key="login_username")
        password = st.text_input("Password", type="password", key="login_password")
        submitted = st.form_submit_button("Log in", type="primary")
    if not submitted:
        return
    throttle = session.login_throttle()
    address = _client_address()
    wait = throttle.retry_after(username, address)
    if wait:
        st.error(f"Too many failed logins; try again in {wait} seconds.")
        return
    try:
        with st.spinner("Checking…"):
            account = accounts.authenticate(session.hub_engine(), username, password)
    except EltError as exc:
        st.error(literal_markdown(str(exc)))
        return
    if account is None:
        throttle.record_failure(username, address)
        st.error("Wrong user name or password, or the account is disabled.")
        return
    throttle.record_success(username, address)
    session.log_in(account)
    st.rerun()
