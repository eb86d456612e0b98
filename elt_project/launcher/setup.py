"""Set-up steps that run before the services start: schema, demo data, Dagster home."""

from __future__ import annotations

import shutil
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from elt_project.db import schema
from elt_project.db.migrate import upgrade
from elt_project.settings import Settings, project_root


def prepare_warehouse(engine: Engine, settings: Settings, *, demo: bool) -> list[str]:
    """Migrate the metadata tables; on an empty embedded warehouse, install the demo.

    Returns human-readable lines describing what was done.
    """
    upgrade(engine)
    lines = [f"warehouse {settings.describe_warehouse()} is up to date"]
    if demo and engine.dialect.name == "sqlite" and _has_no_pipelines(engine):
        from elt_project.demo.install import install_demo

        report = install_demo(engine, settings)
        lines += [f"demo: {line}" for line in report.lines()]
    return lines


def _has_no_pipelines(engine: Engine) -> bool:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(schema.elt_pipeline_configs)).scalar() == 0


def prepare_dagster_home(settings: Settings) -> Path:
    """Create the persistent Dagster home and install the project's ``dagster.yaml`` in it.

    A persistent home matters: a temporary one loses run history, sensor cursors and
    run keys, so sensors would fire again on old files.
    """
    home = settings.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    template = project_root() / "dagster.yaml"
    target = home / "dagster.yaml"
    if template.is_file() and (not target.exists() or target.read_bytes() != template.read_bytes()):
        shutil.copyfile(template, target)
    return home
