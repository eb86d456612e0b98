"""Which code reads which source: parsers by ``file_type``, allow-listed custom parsers by name.

Adding a file type = one Parser class + one ``register_parser("x", XParser)`` line below.
Adding a custom parser = one function + one entry in ``ALLOWED_CUSTOM_PARSERS``.
A ``parser_function`` from the database is only ever a key into that dict: it is
never resolved with getattr or import, so a name like ``os.system`` cannot run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from elt_project.errors import ConfigurationError
from elt_project.ingest.base import Parser
from elt_project.ingest.configurable import generic_configurable_parser
from elt_project.ingest.custom_parsers import parse_report_with_footer
from elt_project.ingest.delimited import CsvParser, PsvParser, TsvParser, TxtParser
from elt_project.ingest.excel import ExcelParser
from elt_project.ingest.json_source import JsonParser
from elt_project.ingest.parquet_source import ParquetParser
from elt_project.ingest.source_kinds import REMOTE_SOURCE_FUNCTIONS

_PARSERS: dict[str, type[Parser]] = {}


def register_parser(file_type: str, parser: type[Parser]) -> None:
    """Make ``file_type`` (case-insensitive) readable by ``parser``.

    The parser must say which file endings it reads (``Parser.extensions``): uploads,
    the page's file picker and the docs take them from here, so a parser without them
    would let any file through.
    """
    if not (isinstance(parser, type) and issubclass(parser, Parser)):
        raise TypeError(f"{parser!r} is not a Parser subclass")
    if not parser.extensions or not all(ext.startswith(".") and ext == ext.lower() for ext in parser.extensions):
        raise TypeError(f"{parser.__name__} must list the file endings it reads in `extensions`, e.g. {{'.csv'}}")
    _PARSERS[file_type.lower()] = parser


def parser_for(file_type: str) -> type[Parser]:
    """The parser class for ``file_type``; ConfigurationError when there is none."""
    parser = _PARSERS.get((file_type or "").lower())
    if parser is None:
        known = ", ".join(sorted(_PARSERS))
        raise ConfigurationError(f"file_type '{file_type}' has no parser; use one of {known} or set parser_function.")
    return parser


def registered_file_types() -> frozenset[str]:
    """Every file_type that has a parser (lower case)."""
    return frozenset(_PARSERS)


def extensions_for(file_type: str) -> frozenset[str] | None:
    """The file endings ``file_type``'s parser reads; None when no parser is registered for it."""
    parser = _PARSERS.get((file_type or "").lower())
    return None if parser is None else parser.extensions


register_parser("csv", CsvParser)
register_parser("psv", PsvParser)
register_parser("tsv", TsvParser)
register_parser("txt", TxtParser)
register_parser("excel", ExcelParser)
register_parser("xlsx", ExcelParser)
register_parser("json", JsonParser)
register_parser("parquet", ParquetParser)

#: Name in ``parser_function`` → the function that runs. Functions take the file path
#: (str) and return a pandas DataFrame; a function that also takes ``options`` is
#: given the import's scraper_config and ``batch_rows`` and may yield Arrow batches.
ALLOWED_CUSTOM_PARSERS: dict[str, Callable[..., Any]] = {
    "parse_report_with_footer": parse_report_with_footer,
    "generic_configurable_parser": generic_configurable_parser,
}


def custom_parser(name: str) -> Callable[..., Any]:
    """The allow-listed function called ``name``; ConfigurationError otherwise (run halts)."""
    function = ALLOWED_CUSTOM_PARSERS.get(name)
    if name in REMOTE_SOURCE_FUNCTIONS:
        raise ConfigurationError(
            f"parser_function '{name}' fetches from a remote source and reads no local file; "
            "run the import (Dagster, `python3 launch.py elt run`) instead of parsing a file with it."
        )
    if function is None or not callable(function):
        raise ConfigurationError(
            f"parser_function '{name}' is not an allowed custom parser; add the function to "
            "ALLOWED_CUSTOM_PARSERS in elt_project/ingest/registry.py or fix the config row."
        )
    return function


def is_known_source(file_type: str, parser_function: str | None) -> bool:
    """True when a run could read this source: a registered type, or an allow-listed parser."""
    if parser_function:
        return callable(ALLOWED_CUSTOM_PARSERS.get(parser_function)) or parser_function in REMOTE_SOURCE_FUNCTIONS
    return (file_type or "").lower() in _PARSERS
