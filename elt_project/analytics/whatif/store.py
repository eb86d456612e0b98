"""Named scenarios in ``analytics_scenarios``, and how each compares with what happened since.

A saved scenario keeps its spec and its result as JSON together with the forecast
basis (the newest day the forecasts were fitted on, and the model of each cell), so
it can be read back exactly as it was shown and compared later with the warehouse's
actual days after that basis, without fitting anything again.

Saving needs the analyst role; reading needs the table to be one the person may read
(:func:`elt_project.analytics.access.readable_tables`). Both are checked here, so the
hub, the CLI and any later caller refuse alike.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from elt_project.analytics import access
from elt_project.analytics.tables import column, guess_date_column, in_days, reflect_table, to_date
from elt_project.analytics.whatif.model import ScenarioResult
from elt_project.auth.accounts import Account
from elt_project.auth.roles import has_role
from elt_project.db.dialect_expressions import day_of
from elt_project.db.schema import analytics_scenarios
from elt_project.errors import ConfigurationError

SAVE_ROLE = "analyst"
MAX_NAME = 200


@dataclass(frozen=True)
class SavedScenario:
    id: int
    name: str
    table: str
    measure: str
    spec: dict
    result: dict
    data_through: dt.date
    model: str
    created_by: str
    created_at: dt.datetime


def save_scenario(
    engine: Engine, result: ScenarioResult, name: str, account: Account | None, *, author: str | None = None
) -> int:
    """Store ``result`` as ``name`` (names are unique); ``account`` None is the warehouse owner (the CLI)."""
    name = (name or "").strip()
    if not name or len(name) > MAX_NAME:
        raise ConfigurationError(f"Give the scenario a name of 1 to {MAX_NAME} characters.")
    if account is not None and not has_role(account.role, SAVE_ROLE):
        raise ConfigurationError(f"Saving a scenario needs the {SAVE_ROLE} role; your role is {account.role}.")
    check_readable(engine, account, result.spec.table)
    payload = result.to_json()
    row = {
        "name": name,
        "table_name": result.spec.table,
        "measure": result.spec.measure,
        "spec_json": json.dumps(payload["spec"]),
        "result_json": json.dumps(payload),
        "data_through": result.data_through,
        "model_name": result.model,
        "created_by": author or (account.username if account else "warehouse owner"),
        "created_at": dt.datetime.now(dt.UTC).replace(tzinfo=None),
    }
    with engine.begin() as conn:
        taken = conn.execute(sa.select(analytics_scenarios.c.id).where(analytics_scenarios.c.name == name)).first()
        if taken:
            raise ConfigurationError(f"A scenario named '{name}' exists already; pick another name.")
        return conn.execute(analytics_scenarios.insert().values(**row)).inserted_primary_key[0]


def check_readable(engine: Engine, account: Account | None, table: str) -> None:
    """Refuse a table ``account``'s grants do not open (None, the warehouse owner, reads everything)."""
    if account is not None and not access.may_read_table(engine, account, table):
        raise ConfigurationError(f"The table {table} is not open to you; ask an admin for its pipeline's grant.")


def _saved(row) -> SavedScenario:
    return SavedScenario(
        id=row["id"],
        name=row["name"],
        table=row["table_name"],
        measure=row["measure"],
        spec=json.loads(row["spec_json"]),
        result=json.loads(row["result_json"]),
        data_through=to_date(row["data_through"]),
        model=row["model_name"] or "",
        created_by=row["created_by"],
        created_at=row["created_at"],
    )


def list_scenarios(engine: Engine, account: Account | None) -> list[SavedScenario]:
    """Saved scenarios on tables ``account`` may read, newest first."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(analytics_scenarios).order_by(analytics_scenarios.c.id.desc())).mappings().all()
    readable = None if account is None else access.readable_tables(engine, account)
    return [_saved(r) for r in rows if readable is None or r["table_name"] in readable]


def get_scenario(engine: Engine, name: str, account: Account | None) -> SavedScenario:
    """The saved scenario ``name``; the same message whether it is missing or not open to ``account``."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(analytics_scenarios).where(analytics_scenarios.c.name == name)).mappings().first()
    if row is None or (account is not None and not access.may_read_table(engine, account, row["table_name"])):
        raise ConfigurationError(
            f"There is no saved scenario named '{name}' open to you; "
            "see `python3 launch.py elt analytics scenarios list`."
        )
    return _saved(row)


def compare_with_actual(engine: Engine, saved: SavedScenario) -> pd.DataFrame:
    """Per forecast day the warehouse now has data for: actual total, baseline and scenario (with bands).

    Days after the saved basis and up to the scenario's horizon; an empty frame when no
    newer day has been loaded yet.
    """
    daily = pd.DataFrame(saved.result["daily"])
    daily["date"] = pd.to_datetime(daily["date"])
    table = reflect_table(engine, saved.table)
    spec_date = saved.spec.get("date_column")
    date_col = column(table, spec_date) if spec_date else guess_date_column(table)
    value = sa.cast(column(table, saved.measure), sa.Float)
    first, last = daily["date"].min().date(), daily["date"].max().date()
    day = day_of(date_col, engine.dialect).label("day")
    query = sa.select(day, sa.func.sum(value)).where(in_days(date_col, first, last)).group_by(day)
    with engine.connect() as conn:
        actual = {pd.Timestamp(to_date(d)): float(v or 0.0) for d, v in conn.execute(query)}
    daily["actual"] = daily["date"].map(actual)
    compared = daily[daily["actual"].notna()].reset_index(drop=True)
    return compared[["date", "actual", "baseline", "scenario", "baseline_lower", "baseline_upper",
                     "scenario_lower", "scenario_upper"]]  # fmt: skip


def comparison_summary(compared: pd.DataFrame) -> dict:
    """Totals over the compared days, the error of each, and which of the two was nearer."""
    if compared.empty:
        return {"days": 0, "answer": "No day after the scenario's forecast basis has been loaded yet."}
    totals = {k: float(compared[k].sum()) for k in ("actual", "baseline", "scenario")}
    errors = {k: float(np.abs(compared["actual"] - compared[k]).sum()) for k in ("baseline", "scenario")}
    nearer = "scenario" if errors["scenario"] < errors["baseline"] else "baseline"
    inside = float(
        ((compared["actual"] >= compared["scenario_lower"]) & (compared["actual"] <= compared["scenario_upper"])).mean()
    )
    answer = (
        f"Over {len(compared)} days the actual total was {totals['actual']:,.2f}; the baseline said "
        f"{totals['baseline']:,.2f} and the scenario {totals['scenario']:,.2f}, so the {nearer} was nearer "
        f"({inside:.0%} of the days inside the scenario's band)."
    )
    return {
        "days": len(compared),
        **totals,
        "abs_error": errors,
        "nearer": nearer,
        "inside_band": inside,
        "answer": answer,
    }
