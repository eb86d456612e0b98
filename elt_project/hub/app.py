"""The hub's frame: log in, then a menu of the pages the account's role reaches.

It is also the one place a page's unexpected failure is caught: the visitor gets one
sentence, the log gets the traceback. Streamlit's own error display is set to
``none`` as well (here and in ``.streamlit/config.toml``), so nothing that escapes
shows a traceback, host name or login to whoever opened the page.
"""

from __future__ import annotations

import logging

import streamlit as st
from sqlalchemy.exc import DBAPIError

from elt_project.errors import WarehouseUnavailable
from elt_project.hub import registry, session
from elt_project.hub.login import render_login
from elt_project.hub.text import literal_markdown

log = logging.getLogger(__name__)

WAREHOUSE_DOWN = "The warehouse is not answering right now; try again in a minute, or ask an administrator to check it."
PAGE_FAILED = "This page hit an unexpected problem and it has been logged; try again, or tell an administrator."
#: Streamlit options the hub always runs with, whatever config file the process found.
SAFE_OPTIONS = {"client.showErrorDetails": "none", "client.disableDataExport": True}


def _navigation_pages(role: str) -> list:
    return [
        st.Page(page.render, title=page.title, icon=page.icon, url_path=page.url_path, default=index == 0)
        for index, page in enumerate(registry.pages_for(role))
    ]


def _apply_safe_options() -> None:
    for name, value in SAFE_OPTIONS.items():
        if st.get_option(name) != value:
            st.set_option(name, value)


def _run() -> None:
    account = session.fresh_account()
    if account is None:
        st.navigation([st.Page(render_login, title="Log in", icon=":material/login:", url_path="login")]).run()
        return
    with st.sidebar:
        st.caption(f"Logged in as **{literal_markdown(account.username)}** ({account.role})")
        if st.button("Log out", icon=":material/logout:", key="hub_logout"):
            session.log_out()
            st.rerun()
    st.navigation(_navigation_pages(account.role)).run()


def main() -> None:
    """Run one script pass of the hub."""
    st.set_page_config(page_title="Analytics & AI Hub", page_icon=":material/insights:", layout="wide")
    _apply_safe_options()
    try:
        _run()
    except (DBAPIError, WarehouseUnavailable):  # the latter's message names the host and login
        log.exception("The hub could not reach the warehouse")
        st.error(WAREHOUSE_DOWN)
    except Exception:
        log.exception("A hub page failed")
        st.error(PAGE_FAILED)
