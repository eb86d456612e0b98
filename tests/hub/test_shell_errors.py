"""When the warehouse is down the hub says one sentence: no traceback, host, port or login on the page."""

from __future__ import annotations

import tomllib

import streamlit as st

from elt_project.auth.accounts import Account
from elt_project.hub.app import SAFE_OPTIONS, WAREHOUSE_DOWN
from elt_project.settings import project_root
from tests.hub.conftest import logged_in_app
from tests.hub.two_groups import page_bytes
from tests.net import free_port


def _warehouse_down(monkeypatch, tmp_path) -> tuple[str, ...]:
    port = free_port()  # nothing listens there
    monkeypatch.setenv("DATABASE_URL", f"postgresql+psycopg://dw_reader:s3cret-pw@127.0.0.1:{port}/sales_dw")
    monkeypatch.setenv("ELT_DATA_DIR", str(tmp_path))
    for name in ("DB_SERVER", "OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    return ("127.0.0.1", str(port), "dw_reader", "s3cret-pw", "sales_dw", "Traceback", "psycopg")


def _assert_one_sentence(at, secrets) -> None:
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == [WAREHOUSE_DOWN]
    shown = page_bytes(at)
    assert [s for s in secrets if s.encode() in shown] == []


def test_logged_in_visitor_sees_one_sentence_when_the_warehouse_is_down(monkeypatch, tmp_path):
    secrets = _warehouse_down(monkeypatch, tmp_path)
    at = logged_in_app(Account("ann", "analyst", True))
    _assert_one_sentence(at, secrets)


def test_anonymous_login_attempt_sees_one_sentence_when_the_warehouse_is_down(monkeypatch, tmp_path):
    secrets = _warehouse_down(monkeypatch, tmp_path)
    at = logged_in_app(None)
    at.text_input(key="login_username").input("ann")
    at.text_input(key="login_password").input("whatever-password")
    at.button[0].click()
    at.run()
    _assert_one_sentence(at, secrets)


def test_streamlit_never_shows_error_details_or_the_grids_unescaped_export(monkeypatch, tmp_path):
    _warehouse_down(monkeypatch, tmp_path)
    logged_in_app(None)
    for name, value in SAFE_OPTIONS.items():
        assert st.get_option(name) == value, name  # set by the app shell whatever config file was found
    config = tomllib.loads((project_root() / ".streamlit" / "config.toml").read_text())
    assert config["client"]["showErrorDetails"] == "none" and config["client"]["disableDataExport"] is True
