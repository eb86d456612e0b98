"""Optional archiving of processed files (``archive_processed_files = 1``; default off).

Loaded files move to ``processed/`` and failed ones to ``failed/``, both beside the
monitored folder (siblings, so a sensor watching the folder never sees them again).
A name already taken there gets a timestamp suffix instead of being overwritten.

Only files the ledger recorded for the run are passed in (LOADED, or FAILED and
tried by it), and of those only ones that sit in the monitored folder are moved:
archiving must never carry off a file the import did not load.

When the archive folder is on another disk, a move is a copy: a full disk there stops
archiving with :class:`DiskFull` after the partial copy is removed. The file stays in
the monitored folder, where the ledger keeps it from being loaded twice.
"""

from __future__ import annotations

import contextlib
import errno
import shutil
from datetime import datetime
from pathlib import Path

from elt_project.config.models import PipelineConfig
from elt_project.errors import DiskFull
from elt_project.ingest.paths import native_path


def archive(config: PipelineConfig, paths: list[Path], outcome: str) -> list[Path]:
    """Move ``paths`` to ``processed/`` (outcome 'processed') or ``failed/``; returns new paths."""
    if not config.archive_processed_files or not config.monitored_directory:
        return []
    monitored = native_path(config.monitored_directory).resolve()
    folder = monitored.parent / outcome
    moved = []
    for path in paths:
        path = Path(path)
        if not path.exists() or path.absolute().parent.resolve() != monitored:
            continue
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / path.name
        if target.exists():
            stamp = datetime.now().strftime("%Y%m%d%H%M%S%f")
            target = folder / f"{path.stem}.{stamp}{path.suffix}"
        try:
            moved.append(Path(shutil.move(str(path), str(target))))
        except OSError as exc:
            if exc.errno != errno.ENOSPC:
                raise
            with contextlib.suppress(OSError):
                target.unlink()  # the partial copy; the file itself is still in the monitored folder
            raise DiskFull(
                f"The disk is full: no space was left while moving {path.name} to {folder} (its rows are "
                f"{'loaded' if outcome == 'processed' else 'not loaded'} and the file stays in the monitored "
                "folder); free space on that disk."
            ) from exc
    return moved
