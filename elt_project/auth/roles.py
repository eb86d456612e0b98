"""The one ladder of roles shared by every front end.

Each rung includes the ones below it:

- ``user``: runs the imports they are permitted and sees read-only views;
- ``analyst``: also asks questions and uses the analysis pages;
- ``steward``: also edits allow-listed tables;
- ``admin``: also changes configuration and sees every pipeline.
"""

from __future__ import annotations

from elt_project.errors import ConfigurationError

#: Lowest to highest; the position is the rank.
ROLES: tuple[str, ...] = ("user", "analyst", "steward", "admin")


def parse_role(value: str) -> str:
    """The canonical role name for ``value`` (case-insensitive), or a clear error."""
    role = (value or "").strip().lower()
    if role not in ROLES:
        raise ConfigurationError(f"Unknown role '{value}'; choose one of {', '.join(ROLES)}.")
    return role


def rank(role: str) -> int:
    """Position of ``role`` on the ladder; an unknown role ranks below ``user``."""
    try:
        return ROLES.index(role)
    except ValueError:
        return -1


def has_role(role: str, minimum: str) -> bool:
    """True when ``role`` is ``minimum`` or above it."""
    return rank(role) >= rank(parse_role(minimum))
