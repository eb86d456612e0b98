"""Typed ``read_options`` for the built-in file types.

The configurable parser has its own, larger model (:mod:`.configurable`). Unknown
keys are refused rather than ignored: a ``skiprows`` silently ignored on a ``csv``
import would load the wrong rows.
"""

from __future__ import annotations

import codecs
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from elt_project.errors import ConfigurationError


class BuiltinReadOptions(BaseModel):
    """``scraper_config.read_options`` understood by csv, psv, tsv, txt, excel, json and parquet."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    encoding: str | None = Field(
        default=None,
        description="Text encoding, e.g. cp1252, or 'auto' to detect it; default UTF-8 (a byte-order mark "
        "of UTF-8/16/32 is honoured without a setting).",
    )
    delimiter: str | None = Field(default=None, alias="sep", description="Field delimiter (one character).")
    sheet_name: str | int | None = Field(default=None, description="Excel sheet name (or 0-based index).")
    skiprows: int = Field(default=0, ge=0, description="Lines (rows for Excel) above the header to skip.")
    na_values: list[str] | None = Field(
        default=None,
        description="Spellings of 'no value' read as NULL in every column (default: only typed columns "
        "read NA, N/A, NULL, null, #N/A and empty as NULL).",
    )

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str | None) -> str | None:
        if value is None or value.lower() == "auto":
            return value
        check_encoding(value)
        return value

    @field_validator("delimiter")
    @classmethod
    def _one_character(cls, value: str | None) -> str | None:
        if value is not None and value in ("\\t", "tab"):
            return "\t"
        if value is not None and len(value) != 1:
            raise ValueError("must be a single character")
        return value


def check_encoding(name: str) -> str:
    """Return the codec's canonical name, or raise ValueError for an unknown encoding."""
    try:
        return codecs.lookup(name).name
    except LookupError:
        raise ValueError(f"'{name}' is not a known encoding (use e.g. utf-8, latin1, cp1252)") from None


def is_utf8(encoding: str | None) -> bool:
    """True for the default: UTF-8 with or without a byte-order mark."""
    return encoding is None or codecs.lookup(encoding).name in ("utf-8", "utf-8-sig")


def read_options_of(options: dict[str, Any] | None) -> dict[str, Any]:
    """The raw ``read_options`` dict inside a ``scraper_config`` (empty when absent)."""
    if not options:
        return {}
    raw = options.get("read_options") or {}
    if not isinstance(raw, dict):
        raise ConfigurationError("scraper_config.read_options must be a JSON object ({...}); fix the config row.")
    return raw


def builtin_read_options(options: dict[str, Any] | None, *, file_type: str) -> BuiltinReadOptions:
    """Validate ``read_options`` for a built-in type; the error names the offending key."""
    try:
        return BuiltinReadOptions.model_validate(read_options_of(options))
    except ValidationError as exc:
        raise ConfigurationError(describe_validation_error(exc, file_type=file_type)) from None


def describe_validation_error(exc: ValidationError, *, file_type: str) -> str:
    """One sentence naming the first bad ``read_options`` key and what to do."""
    err = exc.errors()[0]
    key = ".".join(str(part) for part in err.get("loc", ())) or "(unknown)"
    if err.get("type") == "extra_forbidden":
        return (
            f"read_options key '{key}' is not supported for file_type '{file_type}'; remove it, "
            "or use parser_function 'generic_configurable_parser' for pandas-style options."
        )
    return f"read_options.{key} is invalid ({err.get('msg')}); fix it in scraper_config."
