"""Writing a positional ``column_mapping`` for imports whose staging table now exists.

Second step of setting up a feed: after the generated DDL has been run, the file's
headers (``'Order ID'``) and the staging table's safe names (``order_id``) differ,
so the engine needs a mapping. It is written position by position — the n-th header
to the n-th staging column, lineage columns left out — as
``'Order ID > order_id, Order Date > order_date'``, or as a JSON object when a
header holds a ``,`` or ``>`` that the short form cannot carry.

An import whose staging table does not exist yet, or whose file and table disagree
on the number of columns, is reported rather than failed: the other imports still
get their mapping. When every header's safe name is already a staging column,
the mapping pairs them by name instead, so a hand-made table in another column
order is not mis-mapped.
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from elt_project.config.models import PipelineConfig
from elt_project.db import schema
from elt_project.errors import EltError
from elt_project.pipeline import setup_ddl


class ColumnMappings(dict[str, str]):
    """import name -> mapping written; ``problems`` lists the imports left alone and why."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []


def generate_column_mappings(engine: Engine, configs: list[PipelineConfig]) -> ColumnMappings:
    """Compute and store the mapping of every import in ``configs`` that has a staging table."""
    result = ColumnMappings()
    inspector = sa.inspect(engine)
    for config in configs:
        schema_name, _, table_name = config.staging_table.rpartition(".")
        if not inspector.has_table(table_name, schema=schema_name or None):
            result.problems.append(
                f"{config.import_name}: staging table {config.staging_table} does not exist yet; "
                "run the generated setup SQL first."
            )
            continue
        columns = [
            c["name"]
            for c in inspector.get_columns(table_name, schema=schema_name or None)
            if c["name"].lower() not in setup_ddl.LINEAGE_COLUMNS
        ]
        try:
            headers = setup_ddl.sample_headers(config)
        except EltError as exc:
            result.problems.append(f"{config.import_name}: {exc}")
            continue
        if len(headers) != len(columns):
            result.problems.append(
                f"{config.import_name}: the sample file has {len(headers)} columns "
                f"but {config.staging_table} "
                f"has {len(columns)}; align the table with the file or write column_mapping by hand."
            )
            continue
        result[config.import_name] = format_mapping(pair_columns(headers, columns))

    table = schema.elt_pipeline_configs
    with engine.begin() as conn:
        for import_name, mapping in result.items():
            conn.execute(table.update().where(table.c.import_name == import_name).values(column_mapping=mapping))
    return result


def pair_columns(headers: list[str], columns: list[str]) -> list[tuple[str, str]]:
    """Header -> staging column: by safe name when every header has its column, else by position.

    Matching by name first keeps a hand-made table whose columns are in another
    order correct; position is the fallback for renamed headers, as documented.
    """
    by_name = {column.lower(): column for column in columns}
    names = setup_ddl.safe_column_names(headers)
    if all(name in by_name for name in names):
        return [(header, by_name[name]) for header, name in zip(headers, names)]
    return list(zip(headers, columns))


def format_mapping(pairs: list[tuple[str, str]]) -> str:
    """``'Source > target, ...'``, or a JSON object when a header contains ',' or '>'."""
    sources = [source.strip() for source, _ in pairs]
    if any("," in source or ">" in source for source in sources):
        return json.dumps(
            {source: target for source, target in zip(sources, (t for _, t in pairs))}, ensure_ascii=False
        )
    return ", ".join(f"{source} > {target}" for source, (_, target) in zip(sources, pairs))
