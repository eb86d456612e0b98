"""The names of the remote source kinds: the one list every other module derives from.

A config row picks a kind by its ``parser_function``; ``elt scraper test`` picks it by a
short ``--scraper_type``. Both spellings are here and nowhere else: the builders
(:mod:`elt_project.ingest.sources.catalog`), the config models, the parser registry,
the launchpad form and the scraper trial read them from this leaf module, which imports
nothing, so that the registry need not import the sources package (which reads files
through the registry).
"""

from __future__ import annotations

from typing import TypeGuard

SFTP = "generic_sftp_downloader"
WEB = "generic_web_scraper"
SELENIUM = "generic_selenium_scraper"
SELENIUM_DOWNLOAD = "download_file_with_selenium"

#: ``--scraper_type`` → the ``parser_function`` a config row names.
SCRAPER_TYPES: dict[str, str] = {"selenium": SELENIUM, "web": WEB, "sftp": SFTP, "download": SELENIUM_DOWNLOAD}

#: Parser functions that fetch from elsewhere instead of reading the monitored folder.
REMOTE_SOURCE_FUNCTIONS = frozenset(SCRAPER_TYPES.values())

#: Sources whose only job is to drop a file into another import's monitored folder.
DOWNLOAD_ONLY = frozenset({SELENIUM_DOWNLOAD})


def is_remote_source(parser_function: str | None) -> TypeGuard[str]:
    """True when ``parser_function`` names a remote source kind."""
    return bool(parser_function) and parser_function in REMOTE_SOURCE_FUNCTIONS
