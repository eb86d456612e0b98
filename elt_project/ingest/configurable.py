"""``generic_configurable_parser``: pandas.read_csv driven by the import's JSON config.

``scraper_config`` = ``{"read_options": {...}, "pre_processing": {...}}``.

- ``read_options`` is a whitelist of read_csv arguments (:class:`ConfigurableReadOptions`);
  an unknown key is refused by name rather than passed on to pandas.
- ``pre_processing.skip_header_until_string``: lines above the first line that
  contains the string are skipped; that line is kept (it is usually the header).
  ``skiprows`` then counts from there.
- ``pre_processing.skip_footer_until_string``: the last line containing the string
  and everything after it are dropped (found by a tail scan; pandas stops there).
- Reading is chunked (``chunksize``) so memory stays bounded. Without ``dtype``,
  ``decimal`` or ``thousands`` every column is text (as in the csv parser), which
  also keeps the schema identical from chunk to chunk; only empty fields (plus any
  ``na_values``) are nulls.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from elt_project.errors import ConfigurationError, SourceFileError
from elt_project.ingest import encoding as encodings
from elt_project.ingest.base import DEFAULT_BATCH_ROWS, ensure_not_empty, file_access_error
from elt_project.ingest.footer import find_first_line_containing, find_last_line_containing, limited_binary
from elt_project.ingest.frames import frames_to_batches
from elt_project.ingest.options import check_encoding, describe_validation_error, is_utf8

FILE_TYPE = "generic_configurable_parser"


class ConfigurableReadOptions(BaseModel):
    """The pandas.read_csv arguments a config row may set; anything else is refused."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    skiprows: int | list[int] | None = Field(default=None, description="Lines to skip at the top (or line numbers).")
    delimiter: str | None = Field(default=None, alias="sep", description="Field delimiter; default comma.")
    encoding: str | None = Field(default=None, description="Text encoding, e.g. latin1; default UTF-8.")
    header: int | Literal["infer"] | None = Field(default="infer", description="Header line, or null for none.")
    quotechar: str | None = Field(default=None, description="Quote character; default double quote.")
    decimal: str | None = Field(default=None, description="Decimal separator for numbers, e.g. ','.")
    thousands: str | None = Field(default=None, description="Thousands separator for numbers.")
    dtype: str | dict[str, str] | None = Field(default=None, description="Column types, e.g. 'str' or per column.")
    usecols: list[str | int] | None = Field(default=None, description="Only these columns.")
    names: list[str] | None = Field(default=None, description="Column names to use instead of the header.")
    na_values: str | list[str] | dict[str, list[str]] | None = Field(default=None, description="Extra nulls.")
    skip_blank_lines: bool | None = Field(default=None, description="Ignore blank lines (pandas default: yes).")
    comment: str | None = Field(default=None, description="Character that starts a comment line.")
    escapechar: str | None = Field(default=None, description="Escape character inside quoted fields.")

    @field_validator("encoding")
    @classmethod
    def _encoding(cls, value: str | None) -> str | None:
        if value is not None and value.lower() != "auto":
            check_encoding(value)
        return value

    @field_validator("delimiter")
    @classmethod
    def _delimiter(cls, value: str | None) -> str | None:
        if value in ("\\t", "tab"):
            return "\t"
        return value

    @field_validator("quotechar", "decimal", "thousands", "comment", "escapechar")
    @classmethod
    def _one_char(cls, value: str | None) -> str | None:
        if value is not None and len(value) != 1:
            raise ValueError("must be a single character")
        return value


class PreProcessing(BaseModel):
    """Marker strings that cut a report's title block and footer off before parsing."""

    model_config = ConfigDict(extra="forbid")

    skip_header_until_string: str | None = None
    skip_footer_until_string: str | None = None


class ConfigurableOptions(BaseModel):
    """The whole ``scraper_config``; other top-level keys belong to other features."""

    model_config = ConfigDict(extra="ignore")

    read_options: ConfigurableReadOptions = Field(default_factory=ConfigurableReadOptions)
    pre_processing: PreProcessing = Field(default_factory=PreProcessing)


def parse_options(options: dict[str, Any] | None) -> ConfigurableOptions:
    """Validate ``scraper_config``; the error names the offending key."""
    raw = dict(options or {})
    for key in ("read_options", "pre_processing"):
        if raw.get(key) is None:
            raw.pop(key, None)
    try:
        return ConfigurableOptions.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = [str(part) for part in err.get("loc", ())]
        if err.get("type") == "extra_forbidden" and loc:
            section = loc[0]
            key = ".".join(loc[1:]) or section
            raise ConfigurationError(
                f"{section} key '{key}' is not supported by generic_configurable_parser; "
                "remove it or use one of the documented keys."
            ) from None
        raise ConfigurationError(describe_validation_error(exc, file_type=FILE_TYPE)) from None


def read_csv_arguments(opts: ConfigurableReadOptions, header_skip: int) -> dict[str, Any]:
    """Keyword arguments for pandas.read_csv from validated options."""
    args: dict[str, Any] = opts.model_dump(exclude_none=True, exclude={"na_values", "skiprows", "header"})
    if "delimiter" in args:
        args["sep"] = args.pop("delimiter")
    args["encoding"] = "utf-8-sig" if is_utf8(opts.encoding) else opts.encoding
    if opts.header != "infer":
        args["header"] = opts.header
    if opts.dtype is None and opts.decimal is None and opts.thousands is None:
        args["dtype"] = str
    extra_na = opts.na_values
    args["keep_default_na"] = False
    if isinstance(extra_na, dict):
        args["na_values"] = {k: list(v) + [""] for k, v in extra_na.items()}
    else:
        args["na_values"] = [""] + ([extra_na] if isinstance(extra_na, str) else list(extra_na or []))
    skiprows = opts.skiprows
    if isinstance(skiprows, list):
        args["skiprows"] = list(range(header_skip)) + [header_skip + n for n in skiprows]
    elif header_skip or skiprows:
        args["skiprows"] = header_skip + (skiprows or 0)
    return args


def generic_configurable_parser(
    file_path: str, options: dict[str, Any] | None = None, *, batch_rows: int = DEFAULT_BATCH_ROWS
) -> Iterator[pa.RecordBatch]:
    """Read ``file_path`` as configured by ``options`` (the import's scraper_config).

    Options are validated before the file is opened, so a bad config fails even
    when the file is missing. Returns an iterator of Arrow batches (see module doc).
    """
    config = parse_options(options)
    return _read(Path(file_path), config, batch_rows)


def _read(path: Path, config: ConfigurableOptions, batch_rows: int) -> Iterator[pa.RecordBatch]:
    ensure_not_empty(path)
    opts, pre = config.read_options, config.pre_processing
    opts = opts.model_copy(update={"encoding": encodings.resolve(path, opts.encoding)})  # BOM, auto
    encoding = "utf-8" if is_utf8(opts.encoding) else opts.encoding
    header_skip = 0
    if pre.skip_header_until_string:
        found = find_first_line_containing(path, pre.skip_header_until_string.encode(encoding))
        if found is None:
            raise SourceFileError(
                f"{path.name} has no line containing '{pre.skip_header_until_string}' "
                "(pre_processing.skip_header_until_string); check the file or the config."
            )
        header_skip = found
    footer_at = None
    if pre.skip_footer_until_string:
        footer_at = find_last_line_containing(path, pre.skip_footer_until_string.encode(encoding))
    args = read_csv_arguments(opts, header_skip)
    try:
        with limited_binary(path, footer_at) as handle:
            frames = _guarded(lambda: pd.read_csv(handle, chunksize=batch_rows, **args), path)
            yield from frames_to_batches(frames, batch_rows=batch_rows, source=path.name)
    except OSError as exc:
        raise file_access_error(path, exc) from exc


def _guarded(open_chunks: Callable[[], Iterator[pd.DataFrame]], path: Path) -> Iterator[pd.DataFrame]:
    """Translate pandas' errors into one sentence a person can act on."""
    try:
        with open_chunks() as chunks:
            yield from chunks
    except pd.errors.EmptyDataError as exc:
        raise SourceFileError(
            f"{path.name}: no rows left after skipping header and footer; check read_options."
        ) from exc
    except pd.errors.ParserError as exc:
        raise SourceFileError(f"{path.name} could not be parsed ({exc}); check delimiter and skiprows.") from exc
    except UnicodeDecodeError as exc:
        raise SourceFileError(
            f"{path.name} is not valid text in the configured encoding; {encodings.advice(path, None)}."
        ) from exc
    except (ValueError, TypeError) as exc:
        raise ConfigurationError(
            f"read_options were rejected by the CSV reader ({exc}); fix them in scraper_config."
        ) from exc
