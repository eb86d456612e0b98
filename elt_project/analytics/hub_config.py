"""What admins decide for the hub: the tables it may query, saved question→SQL examples, options.

Tables holding accounts, permissions or credentials are never queryable, whatever
an admin lists; with no list saved, every table except the project's own metadata
and staging tables is.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from elt_project.db import schema
from elt_project.db.protected import is_protected
from elt_project.errors import ConfigurationError

#: Option that lets the LLM see result rows (off unless an admin turns it on).
LLM_SEES_ROWS = "llm_sees_rows"


@dataclass(frozen=True)
class Example:
    id: int
    question: str
    sql: str
    created_by: str | None


def warehouse_tables(engine: Engine) -> list[str]:
    """Every table of the warehouse's default schema, by name."""
    return sorted(sa.inspect(engine).get_table_names())


def saved_table_list(engine: Engine) -> list[str]:
    hub_tables = schema.analytics_hub_tables
    if not sa.inspect(engine).has_table(hub_tables.name):
        raise ConfigurationError("The warehouse lacks the hub's tables; run `python3 launch.py elt db upgrade` first.")
    with engine.connect() as conn:
        return list(conn.execute(sa.select(hub_tables.c.table_name).order_by(hub_tables.c.table_name)).scalars())


def allowed_tables(engine: Engine) -> set[str]:
    """The tables questions and users' SQL may read (existing, never protected)."""
    existing = set(warehouse_tables(engine))
    saved = saved_table_list(engine)
    if saved:
        chosen = {name for name in saved if name in existing}
    else:
        chosen = {name for name in existing if not name.lower().startswith("stg_")}
    return {name for name in chosen if not is_protected(name)}


def set_allowed_tables(engine: Engine, names: list[str], *, by: str | None = None) -> list[str]:
    """Replace the saved list; refuses protected or missing tables with a clear message."""
    existing = set(warehouse_tables(engine))
    for name in names:
        if is_protected(name):
            raise ConfigurationError(f"The table {name} holds accounts or metadata; the hub may never query it.")
        if name not in existing:
            raise ConfigurationError(f"There is no table named {name} in the warehouse; check the name.")
    chosen = sorted(set(names))
    with engine.begin() as conn:
        conn.execute(schema.analytics_hub_tables.delete())
        if chosen:
            conn.execute(schema.analytics_hub_tables.insert(), [{"table_name": n, "added_by": by} for n in chosen])
    return chosen


def list_examples(engine: Engine) -> list[Example]:
    examples = schema.analytics_nl2sql_examples
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(examples.c.id, examples.c.question, examples.c.sql_text, examples.c.created_by)
            .where(examples.c.is_active == 1)
            .order_by(examples.c.id)
        ).all()
    return [Example(row.id, row.question, row.sql_text, row.created_by) for row in rows]


def save_example(engine: Engine, question: str, sql: str, *, by: str | None = None) -> int:
    """Store a question→SQL pair (the caller has checked the SQL); returns its id."""
    if not question.strip() or not sql.strip():
        raise ConfigurationError("An example needs both a question and its SQL.")
    with engine.begin() as conn:
        result = conn.execute(
            schema.analytics_nl2sql_examples.insert().values(
                question=question.strip(), sql_text=sql.strip(), created_by=by
            )
        )
    return int(result.inserted_primary_key[0])


def get_option(engine: Engine, name: str, default: str = "") -> str:
    options = schema.analytics_hub_options
    with engine.connect() as conn:
        value = conn.execute(sa.select(options.c.option_value).where(options.c.option_name == name)).scalar()
    return default if value is None else value


def set_option(engine: Engine, name: str, value: str, *, by: str | None = None) -> None:
    options = schema.analytics_hub_options
    with engine.begin() as conn:
        changed = conn.execute(
            options.update()
            .where(options.c.option_name == name)
            .values(option_value=value, updated_by=by, updated_at=sa.func.current_timestamp())
        ).rowcount
        if not changed:
            conn.execute(options.insert().values(option_name=name, option_value=value, updated_by=by))


def llm_may_see_rows(engine: Engine) -> bool:
    return get_option(engine, LLM_SEES_ROWS, "0") == "1"
