"""The columns of a new feed: read from a sample file, named safely, each type with its reason.

Part of the setup SQL (:mod:`.setup_ddl` builds the tables from these columns).
Names are lower snake_case ASCII that every warehouse accepts unquoted-looking;
letters with accents are transliterated (``Année`` → ``annee``, ``Straße`` →
``strasse``, Greek and Cyrillic by their usual Latin letters) rather than dropped,
and the original header stays in the column mapping.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from elt_project.config.models import PipelineConfig
from elt_project.db.schema import RUN_ID_COLUMN, SOURCE_HASH_COLUMN, SOURCE_ROW_COLUMN
from elt_project.errors import ConfigurationError, SourceFileError

#: Longest identifier every supported warehouse accepts (PostgreSQL: 63).
MAX_IDENTIFIER = 63
LINEAGE_COLUMNS = (RUN_ID_COLUMN, SOURCE_HASH_COLUMN, SOURCE_ROW_COLUMN)
LOAD_TIMESTAMP = "load_timestamp"


@dataclass(frozen=True)
class Column:
    """A source column: its header in the file, its safe SQL name and its logical type."""

    source: str
    name: str
    logical: str
    basis: str = ""  # what the type rests on, printed in the generated script


# ---- sampling ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SampledColumns:
    """The columns of one import's sample file, and which file and how many rows they rest on."""

    columns: list[Column]
    sample_file: str
    rows: int


def sample_file(config: PipelineConfig):
    """The newest file matching the import's pattern (the sample the setup is inferred from)."""
    from elt_project.ingest.paths import list_matching_files

    if not config.monitored_directory or not config.file_pattern:
        raise ConfigurationError(
            f"import {config.import_name} has no monitored_directory and file_pattern "
            "to take a sample file from; "
            "set both in elt_pipeline_configs."
        )
    files = list_matching_files(config.monitored_directory, config.file_pattern)
    if not files:
        raise SourceFileError(
            f"no sample file for import {config.import_name} in {config.monitored_directory} "
            f"(pattern '{config.file_pattern}'); drop one there and generate again."
        )
    return files[-1]


def sample_profile(config: PipelineConfig) -> SampledColumns:
    """Columns of the whole sample file, with safe names, inferred types and what each rests on."""
    from elt_project.ingest.schema_sample import profile_columns

    path = sample_file(config)
    guesses, rows = profile_columns(
        path, file_type=config.file_type, parser_function=config.parser_function, options=config.scraper_config
    )
    if not guesses:
        raise SourceFileError(f"the sample file {path} for import {config.import_name} has no columns.")
    names = safe_column_names([guess.name for guess in guesses])
    columns = [Column(g.name, name, g.logical, g.basis) for g, name in zip(guesses, names)]
    return SampledColumns(columns, path.name, rows)


def sample_columns(config: PipelineConfig) -> list[Column]:
    """Columns of the newest file matching the import's pattern, with safe names and inferred types."""
    return sample_profile(config).columns


def sample_headers(config: PipelineConfig) -> list[str]:
    """Only the headers of the sample file (its first batch): enough to write a column mapping."""
    from elt_project.ingest.reader import read_batches

    path = sample_file(config)
    batches = read_batches(
        path,
        file_type=config.file_type,
        parser_function=config.parser_function,
        options=config.scraper_config,
        batch_rows=1_000,
    )
    try:
        first = next(iter(batches), None)
    finally:
        close = getattr(batches, "close", None)
        if close is not None:
            close()
    if first is None or not first.schema.names:
        raise SourceFileError(f"the sample file {path} for import {config.import_name} has no columns.")
    return list(first.schema.names)


#: Letters NFKD does not split into a base letter and an accent.
_LATIN = {
    "ß": "ss",
    "æ": "ae",
    "Æ": "AE",
    "ø": "o",
    "Ø": "O",
    "œ": "oe",
    "Œ": "OE",
    "đ": "d",
    "Đ": "D",
    "ł": "l",
    "Ł": "L",
    "þ": "th",
    "Þ": "TH",
    "ð": "d",
    "Ð": "D",
    "ı": "i",
}
_GREEK_LATIN = "a b g d e z i th i k l m n x o p r s s t y f ch ps o"
_GREEK = dict(zip("αβγδεζηθικλμνξοπρσςτυφχψω", _GREEK_LATIN.split(" ")))
_CYRILLIC_LATIN = "a b v g d e e zh z i i k l m n o p r s t u f kh ts ch sh shch _ y _ e yu ya ye i yi g"
_CYRILLIC = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюяєіїґ", _CYRILLIC_LATIN.split(" ")))


def transliterate(text: str) -> str:
    """ASCII letters for ``text``: accents dropped (é → e), ß → ss, Greek and Cyrillic romanised."""
    out = []
    for char in unicodedata.normalize("NFKD", text):
        if unicodedata.combining(char):
            continue
        lower = char.lower()
        if char in _LATIN:
            out.append(_LATIN[char])
        elif lower in _GREEK or lower in _CYRILLIC:
            letters = _GREEK.get(lower) or _CYRILLIC[lower]
            out.append(letters.upper() if char != lower and letters != "_" else letters)
        else:
            out.append(char)
    return "".join(out)


def safe_column_names(headers: Sequence[str]) -> list[str]:
    """Lower snake_case names, unique, never a lineage column, at most 63 characters.

    ``'Order ID'`` -> ``order_id``, ``'2024 Total (€)'`` -> ``col_2024_total``,
    ``'Année'`` -> ``annee``; an empty header becomes ``column_<n>``; repeats get
    ``_2``, ``_3``.
    """
    taken: set[str] = set(LINEAGE_COLUMNS) | {LOAD_TIMESTAMP}
    names = []
    for position, header in enumerate(headers, start=1):
        base = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", transliterate(str(header).strip()))
        base = re.sub(r"[^0-9A-Za-z]+", "_", base).strip("_").lower() or f"column_{position}"
        if base[0].isdigit():
            base = f"col_{base}"
        base = base[:MAX_IDENTIFIER]
        name, suffix = base, 2
        while name in taken:
            tail = f"_{suffix}"
            name = base[: MAX_IDENTIFIER - len(tail)] + tail
            suffix += 1
        taken.add(name)
        names.append(name)
    return names
