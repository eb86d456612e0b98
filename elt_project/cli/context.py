"""Building settings and the engine once per CLI invocation."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from elt_project.db.engine import create_warehouse_engine
from elt_project.settings import Settings, load_settings


def cli_settings() -> Settings:
    return load_settings()


def cli_engine(settings: Settings, *, check: bool = True) -> Engine:
    """The warehouse engine; with ``check`` a dead warehouse is one clear line."""
    return create_warehouse_engine(settings.warehouse_url(), check=check)
