"""Which files a run loads: the ones it was given, or the monitored folder's files the ledger has not LOADED.

The staged flow and the direct path both start here, so they agree on what a run takes.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.engine import Engine

from elt_project.config.models import PipelineConfig
from elt_project.errors import ConfigurationError
from elt_project.ingest.identity import FileIdentity, file_identity
from elt_project.ingest.paths import list_matching_files, resolve_source_file
from elt_project.pipeline import ledger


def source_files(engine: Engine, config: PipelineConfig, files: Sequence[str | Path] | None) -> list[FileIdentity]:
    """Identities of the files to stage: the given ones, or the folder's files not yet LOADED."""
    if files is not None:
        if not config.monitored_directory:
            return [file_identity(Path(f)) for f in files]
        return [file_identity(resolve_source_file(config.monitored_directory, f)) for f in files]
    if not config.monitored_directory or not config.file_pattern:
        raise ConfigurationError(
            f"Import '{config.import_name}' has no monitored_directory/file_pattern to look in; "
            "set them or pass the files to load."
        )
    loaded = ledger.loaded_hashes(engine, config.import_name)
    identities = (file_identity(p) for p in list_matching_files(config.monitored_directory, config.file_pattern))
    return [identity for identity in identities if identity.sha256 not in loaded]
