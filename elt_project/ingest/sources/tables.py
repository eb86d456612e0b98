"""HTML tables and JSON documents as records: what web and browser scrapers extract.

Cells are kept as text (typing is the warehouse's job, as for CSV); an empty cell
is NULL. A header that repeats a name or a row with more cells than the header is
refused rather than guessed at, so no value is dropped or shifted silently.
"""

from __future__ import annotations

from typing import Any

from bs4 import BeautifulSoup

from elt_project.errors import ConfigurationError, SourceFileError


def html_table_records(html: str, table_index: int = 0, *, source: str) -> list[dict[str, Any]]:
    """Rows of the ``table_index``-th ``<table>`` in ``html`` as dicts keyed by the header."""
    if not isinstance(table_index, int) or table_index < 0:
        raise ConfigurationError(f"table_index must be a whole number from 0; got {table_index!r}.")
    soup = BeautifulSoup(html, "lxml")
    tables = soup.find_all("table")
    if table_index >= len(tables):
        raise SourceFileError(
            f"{source} has {len(tables)} table(s), so table_index {table_index} does not exist; "
            "check the page or the table_index."
        )
    table = tables[table_index]
    rows = [row for row in table.find_all("tr") if row.find_parent("table") is table]
    if not rows:
        raise SourceFileError(f"Table {table_index} of {source} has no rows; check the page.")
    header_row = next((r for r in rows if r.find("th") is not None), rows[0])
    header = _header([cell.get_text(" ", strip=True) for cell in header_row.find_all(["th", "td"])], source)
    records = []
    for number, row in enumerate(rows[rows.index(header_row) + 1 :], start=1):
        cells = [cell.get_text(" ", strip=True) for cell in row.find_all(["td", "th"])]
        if not cells:
            continue
        if len(cells) > len(header):
            raise SourceFileError(
                f"Row {number} of table {table_index} on {source} has {len(cells)} cells but the header has "
                f"{len(header)}; the table cannot be read column by column."
            )
        cells += [""] * (len(header) - len(cells))
        records.append({name: (value if value != "" else None) for name, value in zip(header, cells, strict=True)})
    return records


def _header(names: list[str], source: str) -> list[str]:
    cleaned, seen = [], set()
    for position, name in enumerate(names, start=1):
        name = name.strip() or f"column_{position}"
        if name.casefold() in seen:
            raise SourceFileError(f"The table on {source} names column '{name}' twice; the columns are ambiguous.")
        seen.add(name.casefold())
        cleaned.append(name)
    return cleaned


def json_path_records(document: Any, json_path: str | None, *, source: str) -> list[dict[str, Any]]:
    """The list of objects found at dotted ``json_path`` (e.g. ``data.results``) in ``document``."""
    value = document
    for part in (json_path or "").split(".") if json_path else []:
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            raise SourceFileError(
                f"The JSON from {source} has no '{part}' along json_path '{json_path}'; check json_path."
            )
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise SourceFileError(
            f"json_path '{json_path or ''}' of {source} does not lead to a list of objects; point it at the records."
        )
    return value


def dig(document: Any, path: str | None) -> Any:
    """The value at dotted ``path`` in ``document``, or None when any part is missing."""
    value = document
    for part in (path or "").split("."):
        if isinstance(value, dict):
            value = value.get(part)
        else:
            return None
    return value
