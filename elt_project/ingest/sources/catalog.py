"""The remote source kinds by ``parser_function`` name: the only names a config row can pick.

Names map to builder functions here, never through getattr or import of a name
from the database. Modules that pull in heavy libraries (paramiko, Selenium) are
imported only when their source is built.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from elt_project.errors import ConfigurationError
from elt_project.ingest import source_kinds as kinds
from elt_project.ingest.source_kinds import is_remote_source
from elt_project.ingest.sources.base import Source


def _web(config: dict[str, Any] | None) -> Source:
    from elt_project.ingest.sources.web import WebScraper

    return WebScraper(config)


def _sftp(config: dict[str, Any] | None) -> Source:
    from elt_project.ingest.sources.sftp import SftpDownloader

    return SftpDownloader(config)


def _selenium(config: dict[str, Any] | None) -> Source:
    from elt_project.ingest.sources.selenium_scraper import SeleniumScraper

    return SeleniumScraper(config)


def _selenium_download(config: dict[str, Any] | None) -> Source:
    from elt_project.ingest.sources.selenium_scraper import SeleniumDownloader

    return SeleniumDownloader(config)


#: parser_function → builder of the source. Adding a kind = one module + its name in
#: :mod:`elt_project.ingest.source_kinds` + one line here.
REMOTE_SOURCES: dict[str, Callable[[dict[str, Any] | None], Source]] = {
    kinds.SFTP: _sftp,
    kinds.WEB: _web,
    kinds.SELENIUM: _selenium,
    kinds.SELENIUM_DOWNLOAD: _selenium_download,
}


#: Keys that would hold a secret value; a config must name an env var instead (``<key>_env_var``).
SECRET_KEYS = frozenset({"password", "passphrase", "token", "api_key", "secret", "totp_secret", "client_secret"})


def _literal_secrets(value: Any, path: str = "") -> list[str]:
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if str(key).lower() in SECRET_KEYS and isinstance(item, str) and item:
                found.append(where)
            found.extend(_literal_secrets(item, where))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(_literal_secrets(item, f"{path}[{index}]"))
    return found


def build_source(parser_function: str, scraper_config: dict[str, Any] | None) -> Source:
    """The configured source; its config is validated here, before anything is fetched.

    A secret written into the config itself is refused: the database holds env var
    names, never values.
    """
    builder = REMOTE_SOURCES.get(parser_function)
    if builder is None:
        raise ConfigurationError(f"'{parser_function}' is not a remote source; use one of {', '.join(REMOTE_SOURCES)}.")
    literal = _literal_secrets(scraper_config)
    if literal:
        raise ConfigurationError(
            f"scraper_config holds a secret value at {literal[0]}; put it in .env (or the keyring) and name the "
            f"variable with '{literal[0].rsplit('.', 1)[-1]}_env_var' instead."
        )
    return builder(scraper_config)


def check_source_config(parser_function: str | None, scraper_config: dict[str, Any] | None) -> str | None:
    """The one-sentence problem with a remote source's config, or None (also None for non-remote rows)."""
    if not is_remote_source(parser_function):
        return None
    try:
        build_source(parser_function, scraper_config)
    except ConfigurationError as exc:
        return f"is not a valid {parser_function} config: {str(exc).rstrip('.')}"
    return None
