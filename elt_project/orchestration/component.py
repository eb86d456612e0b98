"""The code location as a state-backed component: config is read once per load or reload.

Dagster imports the definitions module again in every run worker (and in every
step process). Reading the config table each time has two faults: it costs a
query per process, and a row disabled after the UI loaded makes a queued run
fail with an invalid-subset error. With ``LEGACY_CODE_SERVER_SNAPSHOTS`` Dagster
calls :meth:`write_state_to_path` once when the code server starts or reloads,
keeps the JSON with the location, and hands it to run workers, which rebuild
the very same definitions from it without touching the config table.
"""

from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
from dagster.components import DefsStateConfig, DefsStateConfigArgs

from elt_project.db.engine import create_warehouse_engine
from elt_project.orchestration.factory import build_definitions
from elt_project.orchestration.resources import WarehouseResource
from elt_project.orchestration.snapshot import ConfigSnapshot, read_snapshot
from elt_project.settings import Settings, load_settings

STATE_KEY = "elt_pipeline_configs"


@dataclass
class ConfigTableComponent(dg.StateBackedComponent):
    """Builds assets, checks, jobs and sensors from a snapshot of ``elt_pipeline_configs``.

    ``settings`` and ``warehouse`` default to the project settings; tests pass their own.
    """

    settings: Settings | None = None
    warehouse: WarehouseResource | None = None
    defs_state: DefsStateConfigArgs = field(default_factory=DefsStateConfigArgs.legacy_code_server_snapshots)

    @property
    def defs_state_config(self) -> DefsStateConfig:
        return DefsStateConfig.from_args(self.defs_state, default_key=STATE_KEY)

    def _settings(self) -> Settings:
        if self.settings is None:
            self.settings = self.warehouse.settings() if self.warehouse else load_settings()
        return self.settings

    def write_state_to_path(self, state_path: Path) -> None:
        """Read the config table once; an unreachable warehouse fails the load with a clear message."""
        engine = create_warehouse_engine(self._settings().warehouse_url())
        try:
            snapshot = read_snapshot(engine, self._settings().monitored_root_folders())
        finally:
            engine.dispose()
        state_path.write_text(snapshot.to_json())

    def build_defs_from_state(self, context: dg.ComponentLoadContext, state_path: Path | None) -> dg.Definitions:
        snapshot = ConfigSnapshot.from_json(state_path.read_text()) if state_path else ConfigSnapshot()
        return build_definitions(snapshot, self._settings(), warehouse=self.warehouse)
