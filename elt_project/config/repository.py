"""Reading configs and rules from the warehouse into validated models.

A bad row never hides the good ones: each row is validated on its own and a bad
one becomes a :class:`ConfigProblem` naming the row and the column, which the
orchestrator shows as a warning while the rest loads.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.engine import Connection, Engine

from elt_project.config.models import EnrichmentRule, PipelineConfig, QualityRule
from elt_project.db import schema
from elt_project.errors import ConfigurationError

RuleModel = TypeVar("RuleModel", QualityRule, EnrichmentRule)


@dataclass(frozen=True)
class ConfigProblem:
    """A config row that was skipped, and why, in words a SQL-client user can act on."""

    table: str
    row_id: object
    name: str
    column: str
    reason: str

    def __str__(self) -> str:
        return (
            f"{self.table} row id={self.row_id} ('{self.name}'): column {self.column} {self.reason}; "
            "fix the row and reload definitions."
        )


def describe_validation_error(exc: ValidationError) -> tuple[str, str]:
    """The first failing column and its reason, from a pydantic error."""
    err = exc.errors()[0]
    column = ".".join(str(part) for part in err.get("loc", ())) or "(row)"
    reason = err.get("msg", "is invalid")
    reason = reason.removeprefix("Value error, ")
    return column, reason


def validate_config_rows(
    rows: Iterable[dict], *, monitored_roots: Sequence[Path] | None = None
) -> tuple[list[PipelineConfig], list[ConfigProblem]]:
    """Validate raw rows; duplicates of ``import_name`` (possible without the unique key) are problems.

    With ``monitored_roots`` (``Settings.monitored_root_folders()``) a monitored folder
    outside them is a problem too.
    """
    context = {"monitored_roots": list(monitored_roots)} if monitored_roots is not None else None
    configs: list[PipelineConfig] = []
    problems: list[ConfigProblem] = []
    seen: set[str] = set()
    for row in rows:
        name = row.get("import_name") or "?"
        try:
            config = PipelineConfig.model_validate(row, context=context)
        except ValidationError as exc:
            column, reason = describe_validation_error(exc)
            problems.append(ConfigProblem("elt_pipeline_configs", row.get("id"), name, column, reason))
            continue
        if config.import_name in seen:
            problems.append(
                ConfigProblem("elt_pipeline_configs", row.get("id"), name, "import_name", "duplicates another row")
            )
            continue
        seen.add(config.import_name)
        configs.append(config)
    return configs, problems


def load_pipeline_configs(
    bind: Engine | Connection, *, active_only: bool = True, monitored_roots: Sequence[Path] | None = None
) -> tuple[list[PipelineConfig], list[ConfigProblem]]:
    """All (active) pipeline configs, validated, in id order."""
    table = schema.elt_pipeline_configs
    query = sa.select(table).order_by(table.c.id)
    if active_only:
        query = query.where(table.c.is_active == 1)
    rows = _fetch(bind, query)
    return validate_config_rows(rows, monitored_roots=monitored_roots)


def get_pipeline_config(bind: Engine | Connection, import_name: str) -> PipelineConfig:
    """One config by import name, active or not; a clear error when missing or invalid."""
    table = schema.elt_pipeline_configs
    rows = _fetch(bind, sa.select(table).where(table.c.import_name == import_name))
    if not rows:
        raise ConfigurationError(
            f"No import named '{import_name}' in elt_pipeline_configs; check the name with "
            "`python3 launch.py elt imports`."
        )
    configs, problems = validate_config_rows(rows)
    if problems:
        raise ConfigurationError(str(problems[0]))
    return configs[0]


def load_quality_rules(bind: Engine | Connection, target_table: str) -> list[QualityRule]:
    """Active data-quality rules for one staging table (case-insensitive table match)."""
    table = schema.data_quality_rules
    query = (
        sa.select(table)
        .where(sa.func.lower(table.c.target_table) == target_table.lower(), table.c.is_active == 1)
        .order_by(table.c.id)
    )
    return _validated_rules(bind, query, QualityRule, table.name)


def load_enrichment_rules(bind: Engine | Connection, staging_table: str) -> list[EnrichmentRule]:
    """Active enrichment rules for one staging table."""
    table = schema.data_enrichment_rules
    query = (
        sa.select(table)
        .where(
            sa.func.lower(table.c.target_staging_table) == staging_table.lower(),
            table.c.is_active == 1,
        )
        .order_by(table.c.id)
    )
    return _validated_rules(bind, query, EnrichmentRule, table.name)


def _validated_rules(bind: Engine | Connection, query, model: type[RuleModel], table_name: str) -> list[RuleModel]:
    """Rules are all-or-nothing: a bad rule stops the run rather than silently not checking."""
    rules = []
    for row in _fetch(bind, query):
        try:
            rules.append(model.model_validate(row))
        except ValidationError as exc:
            column, reason = describe_validation_error(exc)
            raise ConfigurationError(
                f"{table_name} row id={row.get('id')} ('{row.get('rule_name')}'): column {column} "
                f"{reason}; fix the rule and run again."
            ) from None
    return rules


def _fetch(bind: Engine | Connection, query) -> list[dict]:
    if isinstance(bind, Engine):
        with bind.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]
    return [dict(r._mapping) for r in bind.execute(query)]
