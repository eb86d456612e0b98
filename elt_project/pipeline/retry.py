"""Retrying files that failed, once their cause may be fixed.

A file whose run failed (missing table, a rule it broke, a bad config) is FAILED
in the ledger. Its content does not change when the cause is fixed, so nothing
new appears in the folder; two things bring it back:

- :func:`retry_basis`: a fingerprint of what a load of the import depends on (the
  config row, its active rules, the columns of its staging and destination
  tables). The file sensor remembers it for each file it asked for, and retries a
  FAILED file once the fingerprint differs: a reload after a config or rule edit,
  or tables created with ``elt setup-sql --apply``.
- :func:`retry_failed`: ``elt retry``, by hand. It also takes the files a dead run
  left behind: STAGED files of runs idle for ``RECOVERY_AFTER_SECONDS`` are released
  first (:mod:`elt_project.pipeline.recovery`), and files in the folder the ledger has
  never seen (their run died before claiming them) are loaded with the failed ones.

A retry never loads a file twice: the ledger claim takes over a FAILED row only as
it was read, LOADED content is skipped, and the transform commits only when every
file it staged is still its own.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from elt_project.config.models import PipelineConfig, QualityRule
from elt_project.errors import ConfigurationError, EltError, SourceFileError
from elt_project.ingest.identity import file_identity
from elt_project.ingest.paths import list_matching_files, resolve_source_file
from elt_project.pipeline import ledger, recovery, remote
from elt_project.pipeline.api import run_import
from elt_project.pipeline.results import RunSummary
from elt_project.pipeline.tables import split_table_name
from elt_project.settings import Settings

#: Config fields that change on every load and do not change how a file loads.
_HOUSEKEEPING = {"last_import_date", "created_at"}


def retry_basis(engine: Engine, config: PipelineConfig, rules: Sequence[QualityRule]) -> str:
    """sha256 over the import's config, its rules and the columns of its two tables (or their absence)."""
    tables = {name.lower(): _columns(engine, name) for name in (config.staging_table, config.destination_table)}
    payload = {
        "config": {k: v for k, v in config.model_dump(mode="json").items() if k not in _HOUSEKEEPING},
        "rules": [rule.model_dump(mode="json") for rule in rules],
        "tables": tables,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _columns(engine: Engine, name: str) -> list[list[str]] | None:
    """Column names and types of table ``name`` (matched as :func:`reflect_table` does), None when missing."""
    schema_name, table = split_table_name(name)
    inspector = sa.inspect(engine)
    try:
        existing = inspector.get_table_names(schema=schema_name)
        actual = table if table in existing else next((t for t in existing if t.lower() == table.lower()), None)
        if actual is None:
            return None
        return [[c["name"], str(c["type"])] for c in inspector.get_columns(actual, schema=schema_name)]
    except sa.exc.DBAPIError:  # an unknown schema is the same as a missing table here
        return None


@dataclass
class RetryOutcome:
    """What ``elt retry`` did: the run (None when nothing could be retried) and files it left alone."""

    summary: RunSummary | None
    retried: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)
    #: files of dead runs released before retrying (they are among ``retried``)
    released: int = 0


def retry_failed(
    engine: Engine,
    settings: Settings,
    config: PipelineConfig,
    files: Sequence[str | Path] | None = None,
    *,
    run_id: str | None = None,
) -> RetryOutcome:
    """Load the import's FAILED files again (all of them, or the named ones).

    Without ``files`` every FAILED file still in place with the same content is
    retried; a ``replace`` import then loads its whole folder of not-yet-loaded files,
    as its batch did. A named file must be one that failed. Raises
    :class:`ConfigurationError` when there is nothing to retry.
    """
    outcome = RetryOutcome(summary=None)
    released = recovery.release_dead_runs(
        engine,
        config,
        recovery.older_than(settings.recovery_after_seconds),
        f"was idle for over {settings.recovery_after_seconds} s and counts as dead (`python3 launch.py elt retry`)",
    )
    outcome.released = released.files
    recovery.finish_committed_runs(engine, config)
    failed = {f.content_hash: f for f in ledger.failed_files(engine, config.import_name)}
    if files:
        paths = [_named_failed_file(config, f, failed) for f in files]
    else:
        paths = []
        for entry in failed.values():
            path, problem = _still_there(config, entry)
            if problem:
                outcome.left.append(problem)
            else:
                paths.append(path)
        never_claimed = _never_claimed(engine, config, settings)
        paths += never_claimed
        if not failed and not never_claimed:
            raise ConfigurationError(
                f"Import '{config.import_name}' has no failed files to retry"
                + (f" (its {len(released.runs)} lost run(s) held none)" if released.runs else "")
                + f"; `python3 launch.py elt run {config.import_name}` loads new files."
            )
        if not paths:
            raise ConfigurationError(
                f"None of the {len(failed)} failed file(s) of import '{config.import_name}' can be retried: "
                + " ".join(outcome.left)
            )
    outcome.retried = [p.name for p in paths]
    whole_folder = not files and config.load_method == "replace" and bool(config.monitored_directory)
    outcome.summary = run_import(engine, settings, config, None if whole_folder else paths, run_id=run_id)
    return outcome


def _never_claimed(engine: Engine, config: PipelineConfig, settings: Settings) -> list[Path]:
    """Stable files in the folder the ledger has no row for: a run was to load them and died first.

    A file younger than ``file_min_age_seconds`` may still be being written: left to the sensor.
    """
    if not config.monitored_directory or not config.file_pattern or remote.is_remote(config):
        return []
    known = ledger.known_hashes(engine, config.import_name)
    settled_before = time.time() - settings.file_min_age_seconds
    found = []
    for path in list_matching_files(config.monitored_directory, config.file_pattern):
        try:
            if path.stat().st_mtime > settled_before:
                continue
            if file_identity(path).sha256 not in known:
                found.append(path)
        except (OSError, EltError):  # vanished or locked now: the sensor sees it later
            continue
    return found


def _named_failed_file(config: PipelineConfig, given: str | Path, failed: dict[str, ledger.FailedFile]) -> Path:
    path = resolve_source_file(config.monitored_directory, given) if config.monitored_directory else Path(given)
    if not path.is_file():
        raise SourceFileError(f"{given} does not exist; name a file in {path.parent} that failed to load.")
    identity = file_identity(path)
    if identity.sha256 not in failed:
        raise ConfigurationError(
            f"{path.name} has not failed for import '{config.import_name}' (it is new, changed or already "
            f"loaded); `python3 launch.py elt run {config.import_name} --file {path}` loads a new file."
        )
    return path


def _still_there(config: PipelineConfig, entry: ledger.FailedFile) -> tuple[Path, str | None]:
    """The failed file's path, or why it cannot be retried (moved away, or changed since)."""
    path = Path(entry.file_path)
    if not path.is_file():
        archived = path.parent.parent / "failed" / path.name
        where = f"it was moved to {archived.parent}" if archived.is_file() else "it is no longer there"
        return path, (
            f"{path.name} failed in run {entry.run_id} but {where}; put it back into "
            f"{config.monitored_directory or path.parent} and retry."
        )
    try:
        current = file_identity(path)
    except EltError as exc:  # locked or unreadable now: say so, retry the others
        return path, f"{path.name} cannot be read now ({exc}); retry it later."
    if current.sha256 != entry.content_hash:
        return path, (
            f"{path.name} changed since it failed; "
            f"`python3 launch.py elt run {config.import_name}` loads the new content."
        )
    return path, None
