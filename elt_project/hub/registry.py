"""The hub's pages in menu order: adding a page is one module and one line here."""

from __future__ import annotations

import importlib

from elt_project.auth.roles import has_role
from elt_project.hub.pages import HubPage

PAGE_MODULES: list[str] = [
    "elt_project.hub.pages.home",
    "elt_project.hub.pages.ask",
    "elt_project.hub.pages.insights",
    "elt_project.hub.pages.why",
    "elt_project.hub.pages.whatif",
    "elt_project.hub.pages.auto_dashboard",
    "elt_project.hub.pages.search",
    "elt_project.hub.pages.clustering",
    "elt_project.hub.pages.monitor",
    "elt_project.hub.pages.steward",
    "elt_project.hub.pages.config_manager",
]


def load_pages() -> list[HubPage]:
    """Every registered page, imported in menu order."""
    return [importlib.import_module(name).PAGE for name in PAGE_MODULES]


def pages_for(role: str) -> list[HubPage]:
    """The pages an account of ``role`` may open, in menu order."""
    return [page for page in load_pages() if has_role(role, page.min_role)]
