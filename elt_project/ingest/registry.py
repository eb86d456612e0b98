"""Parser registry keyed by ``file_type`` (placeholder until the parsers land)."""

from __future__ import annotations

BUILTIN_FILE_TYPES = frozenset({"csv", "psv", "tsv", "txt", "excel", "json", "parquet"})
ALLOWED_CUSTOM_PARSERS = frozenset({"parse_report_with_footer", "generic_configurable_parser"})


def is_known_source(file_type: str, parser_function: str | None) -> bool:
    """True when a run could read this source: a built-in type, or an allow-listed parser."""
    if parser_function:
        return parser_function in ALLOWED_CUSTOM_PARSERS
    return file_type.lower() in BUILTIN_FILE_TYPES
