"""Helpers for hub page tests: a warehouse the hub points at, accounts, and a logged-in AppTest.

``hub_env`` points the hub at the test warehouse through the environment (as
``streamlit run`` would see it); ``logged_in_app(account, page=...)`` runs the real
entry script with the account already in session state and opens a page by its
``url_path``.
"""

from __future__ import annotations

import logging
import re

import pytest
from streamlit.testing.v1 import AppTest

from elt_project.auth.accounts import Account, create_user
from elt_project.hub.registry import load_pages
from elt_project.hub.session import ACCOUNT_KEY  # noqa: F401  (re-exported for page tests)
from elt_project.settings import project_root
from tests.browser import chromium

ENTRY = str(project_root() / "analytics_ui.py")
PASSWORD = "correct-horse-9"


class _Deprecations(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture(autouse=True)
def streamlit_deprecations_fail():
    """Streamlit reports deprecations through its logger, not Python warnings: a hub test that meets one fails."""
    handler = _Deprecations()
    logger = logging.getLogger("streamlit.deprecation_util")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
    assert not handler.messages, f"Streamlit deprecation: {handler.messages[0]}"


@pytest.fixture
def hub_env(engine, settings, monkeypatch):
    """The migrated test warehouse, exported so the hub process-cache picks it up."""
    monkeypatch.setenv("DATABASE_URL", settings.database_url.get_secret_value())
    monkeypatch.setenv("ELT_DATA_DIR", str(settings.data_dir))
    for name in ("DB_SERVER", "OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    return engine


def shown(markdown: str) -> str:
    """The text a reader sees for Markdown source whose data was escaped (backslash escapes removed)."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown)


def make_account(engine, role: str, name: str | None = None) -> Account:
    """An active account of ``role`` with password :data:`PASSWORD`."""
    return create_user(engine, name or f"{role}_one", PASSWORD, role)


def _url_paths_by_title() -> dict[str, str]:
    # st.navigation registers the default page under url "" so pages are told apart by title.
    return {"Log in": "login", **{page.title: page.url_path for page in load_pages()}}


def navigation_registry(at: AppTest, *, select: str | None = None) -> dict[str, dict]:
    """The pages ``st.navigation`` registered in the last run, by page hash; ``select`` picks one for the next run.

    The only use of AppTest's private navigation state: its public ``switch_page`` opens page
    *files*, and the hub's pages are callables with a ``url_path``. Streamlit is pinned to a minor
    version in pyproject.toml, and tests/hub/test_apptest_private.py fails when an upgrade moves these.
    """
    if select is not None:
        at._page_hash = select
    return dict(at._registered_pages)


def open_page(at: AppTest, url_path: str, *, timeout: float = 60) -> AppTest:
    """Switch a run AppTest to the menu page whose HubPage ``url_path`` is given, and run it."""
    by_title = _url_paths_by_title()
    registry = navigation_registry(at)
    matches = [h for h, info in registry.items() if by_title.get(info.get("page_name")) == url_path]
    if not matches:
        raise AssertionError(f"page {url_path!r} is not in the menu; the menu has {menu(at)}")
    navigation_registry(at, select=matches[0])
    return at.run(timeout=timeout)


def menu(at: AppTest) -> list[str]:
    """The url paths of the pages the navigation offered in the last run, in menu order."""
    by_title = _url_paths_by_title()
    names = [info.get("page_name") for info in navigation_registry(at).values()]
    return [by_title.get(name, str(name)) for name in names]


def logged_in_app(account: Account | None, *, page: str | None = None, timeout: float = 60) -> AppTest:
    """The hub's entry script run once with ``account`` logged in (None: nobody), optionally on ``page``."""
    at = AppTest.from_file(ENTRY, default_timeout=timeout)
    if account is not None:
        at.session_state[ACCOUNT_KEY] = account
    at.run()
    if page is not None:
        open_page(at, page, timeout=timeout)
    return at


from tests.analytics.conftest import sales_engine  # noqa: E402, F401  (a small sales warehouse for page tests)


@pytest.fixture
def browser(tmp_path):
    """Headless Chromium for the hub's browser tests (see tests/browser.py)."""
    yield from chromium(tmp_path / "chromium")
