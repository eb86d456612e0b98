"""Credentials of remote sources, by name only: configs hold env var names, never values.

A name is looked up where every setting is (:meth:`Settings.named_value`): the process
environment, the home folder's ``.env`` file, then the OS keyring (service
``elt_project``, user = the name). Every value handed out is remembered by the
:class:`SecretBook` so messages can be scrubbed of it before they reach a log, an
error or the run-log table.
"""

from __future__ import annotations

from elt_project.errors import ConfigurationError
from elt_project.settings import Settings, load_settings


class SecretBook:
    """Resolves env var names to values and redacts those values from text."""

    def __init__(self, settings: Settings | None = None) -> None:
        self._settings = settings if settings is not None else load_settings()
        self._seen: set[str] = set()

    def get(self, name: str | None, *, purpose: str, required: bool = True) -> str | None:
        """The value stored under env var ``name``; a missing one is a ConfigurationError naming it."""
        if not name:
            if required:
                raise ConfigurationError(f"scraper_config names no env var for the {purpose}; add one.")
            return None
        if not isinstance(name, str):
            raise ConfigurationError(f"The env var name for the {purpose} must be text, not {type(name).__name__}.")
        value = self._settings.named_value(name)
        if not value:
            if required:
                raise ConfigurationError(
                    f"Env var {name} (the {purpose}) is not set; add it to .env or the environment "
                    "(the config holds only its name)."
                )
            return None
        self.remember(value)
        return value

    def remember(self, value: str) -> None:
        """Treat ``value`` (a TOTP code, a token) as secret from now on."""
        if value and len(value) >= 3:
            self._seen.add(value)

    def redact(self, text: str) -> str:
        """``text`` with every secret value replaced by ``***``."""
        for value in sorted(self._seen, key=len, reverse=True):
            text = text.replace(value, "***")
        return text
