"""Which source column lands in which staging column.

With ``column_mapping`` (``'Source Col 1 > col_1, Source Col 2 > col_2'``, or the
same as a JSON object) each pair is matched to the file's header by exact name, then
by a loose name (case, spaces, underscores and punctuation ignored); pairs still
unmatched are matched by position when the file has exactly as many columns as the
mapping, because that is how the mapping was generated and a renamed header is the
usual reason. Without a mapping, headers match staging columns case-insensitively
with spaces read as underscores.

Anything that cannot be matched is a :class:`Drift`; by default (``schema_policy``
``freeze``) it is an error naming the columns, because a silently dropped column is
lost data. :mod:`.schema_drift` applies the other policies.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import sqlalchemy as sa

from elt_project.errors import ConfigurationError, EltError, SourceFileError
from elt_project.pipeline.tables import data_columns, display_name


@dataclass(frozen=True)
class ColumnPlan:
    """Source column index → staging column name, in staging order."""

    sources: tuple[int, ...]
    targets: tuple[str, ...]


def parse_column_mapping(text: str, *, import_name: str) -> list[tuple[str, str]]:
    """Pairs (source header, staging column) from the config's ``column_mapping``."""
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            parsed = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise ConfigurationError(
                f"column_mapping of import '{import_name}' is not valid JSON ({exc.msg}); "
                "use 'Source > target, ...' or a JSON object."
            ) from exc
        return [(str(k).strip(), str(v).strip()) for k, v in parsed.items()]
    pairs = []
    for part in stripped.split(","):
        if not part.strip():
            continue
        if ">" not in part:
            raise ConfigurationError(
                f"column_mapping of import '{import_name}' has '{part.strip()}' without '>'; "
                "write each pair as 'Source Column > staging_column'."
            )
        source, target = part.rsplit(">", 1)
        pairs.append((source.strip(), target.strip()))
    return pairs


def loose(name: str) -> str:
    """A header reduced to letters and digits, lower case: 'Order  ID' == 'order_id'."""
    return re.sub(r"[^0-9a-z]+", "", name.casefold())


@dataclass(frozen=True)
class Drift:
    """How a file's columns differ from what the import expects (see :mod:`.schema_drift`)."""

    #: (header index, header) of file columns nothing maps to a staging column.
    new: tuple[tuple[int, str], ...] = ()
    #: (source header, staging column) of mapped columns the file lacks.
    missing: tuple[tuple[str, str], ...] = ()
    mapped: bool = False

    def __bool__(self) -> bool:
        return bool(self.new or self.missing)

    def error(self, staging: sa.Table, *, import_name: str, file_name: str) -> EltError:
        """The error a ``freeze`` import stops with, naming the columns."""
        extra = [header for _, header in self.new]
        if not self.mapped:
            return ConfigurationError(
                f"Staging table {display_name(staging)} has no column for source column(s) "
                f"{_names(extra)} of file {file_name}; add the column(s) or set column_mapping "
                f"for import '{import_name}'."
            )
        parts = []
        if self.missing:
            parts.append(f"lacks column(s) {_names([source for source, _ in self.missing])} named in column_mapping")
        if extra:
            parts.append(f"has column(s) {_names(extra)} that column_mapping does not name")
        return SourceFileError(
            f"File {file_name} {' and '.join(parts)} of import '{import_name}'; fix the file or update column_mapping."
        )


def plan_columns(
    headers: list[str], staging: sa.Table, column_mapping: str | None, *, import_name: str, file_name: str
) -> ColumnPlan:
    """Match a file's headers to the staging table's columns; any difference is an error naming the columns."""
    plan, drift = match_columns(headers, staging, column_mapping, import_name=import_name, file_name=file_name)
    if drift:
        raise drift.error(staging, import_name=import_name, file_name=file_name)
    return plan


def match_columns(
    headers: list[str], staging: sa.Table, column_mapping: str | None, *, import_name: str, file_name: str
) -> tuple[ColumnPlan, Drift]:
    """The plan of the columns that match, and the :class:`Drift` of those that do not (see the module doc)."""
    columns = {c.name.lower(): c.name for c in data_columns(staging)}
    if column_mapping:
        return _plan_with_mapping(headers, columns, staging, column_mapping, import_name)
    by_key = {_key(name): name for name in columns.values()}
    sources, targets, extra = [], [], []
    for index, header in enumerate(headers):
        target = by_key.get(_key(header))
        if target is None:
            extra.append((index, header))
        elif target in targets:
            raise SourceFileError(f"File {file_name} has two columns that both map to '{target}'; rename one.")
        else:
            sources.append(index)
            targets.append(target)
    return ColumnPlan(tuple(sources), tuple(targets)), Drift(new=tuple(extra))


def _plan_with_mapping(headers, columns, staging, column_mapping, import_name) -> tuple[ColumnPlan, Drift]:
    pairs = parse_column_mapping(column_mapping, import_name=import_name)
    unknown_targets = [t for _, t in pairs if t.lower() not in columns]
    if unknown_targets:
        raise ConfigurationError(
            f"column_mapping of import '{import_name}' names column(s) {_names(unknown_targets)} that "
            f"staging table {display_name(staging)} does not have; fix the mapping or the table."
        )
    matched: dict[int, int] = {}  # pair index -> header index
    used: set[int] = set()
    for how in (lambda h: h, lambda h: h.strip(), loose):
        for p, (source, _) in enumerate(pairs):
            if p in matched:
                continue
            wanted = how(source)
            for h, header in enumerate(headers):
                if h not in used and how(header) == wanted:
                    matched[p] = h
                    used.add(h)
                    break
    if len(matched) < len(pairs) and len(headers) == len(pairs):
        for p in range(len(pairs)):  # pair p and header p are both unmatched: same position
            if p not in matched and p not in used:
                matched[p] = p
                used.add(p)
    missing = tuple((pairs[p][0], columns[pairs[p][1].lower()]) for p in range(len(pairs)) if p not in matched)
    extra = tuple((h, headers[h]) for h in range(len(headers)) if h not in used)
    order = sorted(matched, key=lambda p: matched[p])
    plan = ColumnPlan(tuple(matched[p] for p in order), tuple(columns[pairs[p][1].lower()] for p in order))
    return plan, Drift(new=extra, missing=missing, mapped=True)


def _key(name: str) -> str:
    return name.strip().lower().replace(" ", "_")


def _names(names: list[str]) -> str:
    return ", ".join(f"'{n}'" for n in names)
