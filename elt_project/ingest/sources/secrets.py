"""Credentials of remote sources, by name only: configs hold env var names, never values.

A name is looked up in the process environment, then the project's ``.env`` file,
then the OS keyring (service ``elt_project``, user = the name). Every value handed
out is remembered by the :class:`SecretBook` so messages can be scrubbed of it
before they reach a log, an error or the run-log table.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from dotenv import dotenv_values

from elt_project.errors import ConfigurationError

KEYRING_SERVICE = "elt_project"


class SecretBook:
    """Resolves env var names to values and redacts those values from text."""

    def __init__(self, env: Mapping[str, str] | None = None, env_file: Path | None = None) -> None:
        self._env = dict(os.environ if env is None else env)
        self._file: dict[str, str] = {}
        if env_file is not None and env_file.is_file():
            self._file = {k: v for k, v in dotenv_values(env_file).items() if v is not None}
        self._seen: set[str] = set()

    def get(self, name: str | None, *, purpose: str, required: bool = True) -> str | None:
        """The value stored under env var ``name``; a missing one is a ConfigurationError naming it."""
        if not name:
            if required:
                raise ConfigurationError(f"scraper_config names no env var for the {purpose}; add one.")
            return None
        if not isinstance(name, str):
            raise ConfigurationError(f"The env var name for the {purpose} must be text, not {type(name).__name__}.")
        value = self._env.get(name) or self._file.get(name) or _keyring_value(name)
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


def _keyring_value(name: str) -> str | None:
    try:
        import keyring

        return keyring.get_password(KEYRING_SERVICE, name)
    except Exception:  # no keyring backend on this machine: the env and .env are the sources
        return None
