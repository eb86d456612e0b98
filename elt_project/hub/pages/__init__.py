"""Pages of the hub: each module defines ``PAGE = HubPage(...)`` and a no-argument ``render()``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class HubPage:
    """One entry of the hub's menu.

    ``min_role`` decides whether the page appears for an account; ``render`` must
    still call :func:`elt_project.hub.session.require_role` itself, because a hidden
    page is not a permission check.
    """

    title: str
    icon: str
    min_role: str
    render: Callable[[], None]
    url_path: str
