"""Guards for the one private use of Streamlit's AppTest (tests/hub/conftest.py: navigation_registry).

They fail on a Streamlit upgrade that moves it: re-check the helper, then move the pin in pyproject.toml.
"""

from __future__ import annotations

import re
import tomllib

import streamlit
from streamlit.testing.v1 import AppTest

from elt_project.settings import project_root
from tests.hub.conftest import navigation_registry

TWO_PAGES = """
import streamlit as st

def first():
    st.title("First page")

def second():
    st.title("Second page")

pages = [st.Page(first, title="First", url_path="first"), st.Page(second, title="Second", url_path="second")]
st.navigation(pages).run()
"""


def test_streamlit_is_the_minor_version_pyproject_pins():
    dependencies = tomllib.loads((project_root() / "pyproject.toml").read_text())["project"]["dependencies"]
    (pin,) = [d for d in dependencies if d.startswith("streamlit")]
    minor = re.fullmatch(r"streamlit~=(\d+\.\d+)\.\d+", pin)
    assert minor, f"Streamlit is not pinned to a minor version: {pin}"
    assert streamlit.__version__.startswith(minor.group(1) + "."), (
        f"Streamlit {streamlit.__version__} is installed but {pin} is pinned; re-check navigation_registry first."
    )


def test_navigation_registry_lists_the_callable_pages_and_opens_the_one_selected():
    at = AppTest.from_string(TWO_PAGES).run()
    assert at.title[0].value == "First page"
    registry = navigation_registry(at)
    assert [info.get("page_name") for info in registry.values()] == ["First", "Second"]
    (second,) = [h for h, info in registry.items() if info.get("page_name") == "Second"]
    navigation_registry(at, select=second)
    assert at.run().title[0].value == "Second page"


def test_a_streamlit_deprecation_met_by_a_hub_test_is_caught(streamlit_deprecations_fail):
    AppTest.from_string(
        "from streamlit.deprecation_util import show_deprecation_warning\nshow_deprecation_warning('old call')"
    ).run()
    assert streamlit_deprecations_fail.messages == ["old call"]
    streamlit_deprecations_fail.messages.clear()  # seen: this test passes, any other would fail at teardown
