"""The warehouse as a Dagster resource.

Every field is optional: in production the resource is built empty and reads the
project's settings (.env, environment, keyring) when a run or sensor first needs
it, never at import. Tests and benchmarks pass their own warehouse and folders.
"""

from pathlib import Path

import dagster as dg
from pydantic import Field, PrivateAttr
from sqlalchemy.engine import Engine

from elt_project.db.engine import create_warehouse_engine
from elt_project.settings import Settings, load_settings


class WarehouseResource(dg.ConfigurableResource):
    """Hands assets and sensors one engine per process, built from :class:`Settings`."""

    database_url: str | None = Field(
        default=None, description="Overrides DATABASE_URL; leave empty to use the project settings."
    )
    data_dir: str | None = Field(default=None, description="Overrides ELT_DATA_DIR.")
    transforms_dir: str | None = Field(default=None, description="Overrides ELT_TRANSFORMS_DIR.")
    output_dir: str | None = Field(
        default=None, description="Overrides ELT_OUTPUT_DIR: where generated_sql/ and backups/ are written."
    )

    _settings: Settings | None = PrivateAttr(default=None)
    _engine: Engine | None = PrivateAttr(default=None)

    def settings(self) -> Settings:
        """The project's settings with this resource's overrides applied (built once)."""
        if self._settings is None:
            self._settings = load_settings(
                database_url=self.database_url,
                data_dir=self.data_dir,
                transforms_dir=self.transforms_dir,
                output_dir=self.output_dir,
            )
        return self._settings

    def engine(self) -> Engine:
        """The shared warehouse engine of this process (created on first use)."""
        if self._engine is None:
            self._engine = create_warehouse_engine(self.settings().warehouse_url())
        return self._engine

    def output_root(self) -> Path:
        """Where generated SQL and backups go: this resource's output_dir, else the settings' one."""
        return self.settings().output_root

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    @classmethod
    def for_settings(cls, settings: Settings, *, output_dir: Path | None = None) -> "WarehouseResource":
        """A resource pinned to explicit settings (tests, benchmarks, the CLI)."""
        url = settings.warehouse_url().render_as_string(hide_password=False)
        return cls(
            database_url=url,
            data_dir=str(settings.data_dir),
            transforms_dir=str(settings.transforms_dir),
            output_dir=str(output_dir or settings.output_root),
        )
