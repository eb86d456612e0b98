"""The hub's frame: log in, then a menu of the pages the account's role reaches."""

from __future__ import annotations

import streamlit as st

from elt_project.hub import registry, session
from elt_project.hub.login import render_login
from elt_project.hub.text import literal_markdown


def _navigation_pages(role: str) -> list:
    return [
        st.Page(page.render, title=page.title, icon=page.icon, url_path=page.url_path, default=index == 0)
        for index, page in enumerate(registry.pages_for(role))
    ]


def main() -> None:
    """Run one script pass of the hub."""
    st.set_page_config(page_title="Analytics & AI Hub", page_icon=":material/insights:", layout="wide")
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
