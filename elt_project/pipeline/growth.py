"""Refusing a file that grew after part of it was loaded.

A writer that pauses longer than the sensor's stability window (``FILE_MIN_AGE_SECONDS``)
gets its file loaded half-written; when it then writes the rest, the longer file is
new content and would be loaded too. For a ``replace`` import the destination would
flip between the half and the whole; for an ``append`` import without a
``deduplication_key`` the first part's rows would be loaded twice.

The ledger already holds what is needed to see it: the loaded file's path, size and
content hash. A file at that path, longer than a LOADED one, whose first ``size`` bytes
hash (streamed) to that content hash, *grew after it was loaded*: it is refused (ledger
REFUSED, run log FAILED, both with the reason) instead of loaded. An ``append`` import
with a ``deduplication_key`` loads it as usual: dedup drops the rows already there.

The lasting fix is on the writer's side: write to a temporary name (``*.tmp``,
``*.part``, or a name the pattern does not match) and rename when complete.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine

from elt_project.config.models import PipelineConfig
from elt_project.ingest.identity import FileIdentity, sha256_file
from elt_project.pipeline import ledger


def applies(config: PipelineConfig) -> bool:
    """Growth matters where loading the whole file again would double or flip rows."""
    return config.load_method == "replace" or not config.deduplication_key


def grown_reason(engine: Engine, config: PipelineConfig, identity: FileIdentity) -> str | None:
    """Why ``identity`` is refused as a file that grew after it was loaded, or None."""
    if not applies(config):
        return None
    path = Path(identity.path)
    for content_hash, size, run_id in ledger.loaded_at_path(engine, config.import_name, str(path), identity.size):
        try:
            if sha256_file(path, limit=size) != content_hash:
                continue
        except OSError:
            return None  # unreadable now: the load itself will say so
        advice = (
            "drop the complete file again under a new name to replace the destination with it"
            if config.load_method == "replace"
            else "put only the rows that were missing into a file of their own under a new name"
        )
        return (
            f"{path.name} grew after it was loaded: run {run_id} loaded its first {size} bytes and it now has "
            f"{identity.size}, so it was refused to keep rows from loading twice; {advice}, and have the writer "
            "write to a temporary name and rename the file when it is complete."
        )
    return None
