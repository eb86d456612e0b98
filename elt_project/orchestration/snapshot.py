"""The configuration snapshot a code location is built from.

The config table is read ONCE per load or reload of the code location. The result
is serialised to JSON and handed by Dagster to every run worker and step process
(see :mod:`elt_project.orchestration.component`), so a run always executes
against the definitions the UI showed, even if a row was disabled since.

The fingerprint covers the active config rows and the active data-quality rules:
the ``config_change_sensor`` compares it with the warehouse to notice edits.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.engine import Engine

from elt_project.config.models import PipelineConfig, QualityRule
from elt_project.config.repository import ConfigProblem, describe_validation_error, load_pipeline_configs
from elt_project.db import schema
from elt_project.errors import ConfigurationError, WarehouseUnavailable

log = logging.getLogger(__name__)

SNAPSHOT_FORMAT = 1


@dataclass(frozen=True)
class ConfigSnapshot:
    """Validated configs, the problems of skipped rows, and the active rules per staging table."""

    configs: list[PipelineConfig] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    #: lower-cased staging table -> active rules targeting it, in id order
    rules: dict[str, list[QualityRule]] = field(default_factory=dict)
    fingerprint: str = ""

    def rules_for(self, staging_table: str) -> list[QualityRule]:
        return self.rules.get(staging_table.lower(), [])

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": SNAPSHOT_FORMAT,
                "configs": [c.model_dump(mode="json") for c in self.configs],
                "problems": self.problems,
                "rules": {t: [r.model_dump(mode="json") for r in rs] for t, rs in self.rules.items()},
                "fingerprint": self.fingerprint,
            },
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> ConfigSnapshot:
        data = json.loads(text)
        return cls(
            configs=[PipelineConfig.model_validate(c) for c in data["configs"]],
            problems=list(data["problems"]),
            rules={t: [QualityRule.model_validate(r) for r in rs] for t, rs in data["rules"].items()},
            fingerprint=data["fingerprint"],
        )


def read_snapshot(engine: Engine, monitored_roots: Sequence[Path] | None = None) -> ConfigSnapshot:
    """Read active configs and rules; bad rows become problems, a dead warehouse an error.

    Raises :class:`WarehouseUnavailable` when the warehouse cannot be reached and
    :class:`ConfigurationError` when the metadata tables are missing.
    """
    with _metadata_connection(engine) as conn:
        configs, problems = load_pipeline_configs(conn, monitored_roots=monitored_roots)
        rule_rows = _active_rule_rows(conn)
        fingerprint = _fingerprint(conn, rule_rows)
    rules: dict[str, list[QualityRule]] = {}
    rule_problems: list[ConfigProblem] = []
    for row in rule_rows:
        try:
            rule = QualityRule.model_validate(row)
        except ValidationError as exc:  # one bad rule must not hide the rest
            column, reason = describe_validation_error(exc)
            rule_problems.append(
                ConfigProblem("data_quality_rules", row.get("id"), str(row.get("rule_name")), column, reason)
            )
            continue
        rules.setdefault(rule.target_table.lower(), []).append(rule)
    all_problems = [str(p) for p in [*problems, *rule_problems]]
    for problem in all_problems:
        log.warning("Skipped config row: %s", problem)
    return ConfigSnapshot(configs=configs, problems=all_problems, rules=rules, fingerprint=fingerprint)


def current_fingerprint(engine: Engine) -> str:
    """The fingerprint of the active config rows and rules as they are now in the warehouse."""
    with _metadata_connection(engine) as conn:
        return _fingerprint(conn, _active_rule_rows(conn))


def _active_rule_rows(conn) -> list[dict]:
    table = schema.data_quality_rules
    query = sa.select(table).where(table.c.is_active == 1).order_by(table.c.id)
    return [dict(r._mapping) for r in conn.execute(query)]


def _fingerprint(conn, rule_rows: list[dict]) -> str:
    """sha256 over the active config rows and rules, without housekeeping columns.

    ``last_import_date`` and ``created_at`` change on every load and do not change
    the definitions, so they are left out; otherwise every import would trigger a reload.
    """
    table = schema.elt_pipeline_configs
    skip = {"last_import_date", "created_at"}
    columns = [c for c in table.c if c.name not in skip]
    rows = [list(r) for r in conn.execute(sa.select(*columns).where(table.c.is_active == 1).order_by(table.c.id))]
    rules = [[v for k, v in sorted(row.items()) if k not in skip] for row in rule_rows]
    payload = json.dumps({"configs": rows, "rules": rules}, default=str, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


class _metadata_connection:
    """A connection for reading metadata, with driver errors turned into one clear sentence."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.conn = None

    def __enter__(self):
        try:
            self.conn = self.engine.connect()
        except Exception as exc:
            where = self.engine.url.render_as_string(hide_password=True)
            raise WarehouseUnavailable(
                f"Cannot connect to the warehouse at {where} to read elt_pipeline_configs; "
                "check DATABASE_URL "
                "(or DB_SERVER/DB_DATABASE) and that the database server is running."
            ) from exc
        return self.conn

    def __exit__(self, exc_type, exc, tb) -> bool:
        if self.conn is None:
            raise RuntimeError("The snapshot connection was never opened.")
        self.conn.close()
        if isinstance(exc, sa.exc.ProgrammingError | sa.exc.OperationalError):
            raise ConfigurationError(
                "The warehouse has no readable elt_pipeline_configs/data_quality_rules tables; "
                "run `python3 launch.py elt db upgrade` and reload definitions."
            ) from exc
        return False
