"""One way for tests to insert ``elt_pipeline_configs`` rows: :func:`insert_config` (or the ``config_row`` fixture).

The defaults make a valid plain-file import; a test passes only what it is about. Each test module
that needs its own house style (a sales feed, a costs feed) passes those values on, so the row's
columns are spelled in one place and a new column needs a default here only.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from elt_project.db import schema

DEFAULTS: dict[str, Any] = {
    "pipeline_name": "Sales",
    "import_name": "daily_sales",
    "file_pattern": "*.csv",
    "monitored_directory": None,
    "file_type": "csv",
    "staging_table": None,  # stg_<import_name>
    "destination_table": None,  # dest_<import_name>
    "load_method": "append",
    "is_active": 1,
}


def config_values(**values: Any) -> dict[str, Any]:
    """The row's column values: :data:`DEFAULTS` overridden by ``values``."""
    row = {**DEFAULTS, **values}
    row["staging_table"] = row["staging_table"] or f"stg_{row['import_name']}"
    row["destination_table"] = row["destination_table"] or f"dest_{row['import_name']}"
    return row


def insert_config(bind: Engine | Connection, **values: Any) -> int:
    """Insert one config row (in ``bind``'s transaction when it is a connection); returns its id."""
    statement = sa.insert(schema.elt_pipeline_configs).values(**config_values(**values))
    if isinstance(bind, Connection):
        return int(bind.execute(statement).inserted_primary_key[0])
    with bind.begin() as conn:
        return int(conn.execute(statement).inserted_primary_key[0])
