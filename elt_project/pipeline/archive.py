"""Optional archiving of processed files (``archive_processed_files = 1``; default off).

Loaded files move to ``processed/`` and failed ones to ``failed/``, both beside the
monitored folder (siblings, so a sensor watching the folder never sees them again).
A name already taken there gets a timestamp suffix instead of being overwritten.
"""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

from elt_project.config.models import PipelineConfig


def archive(config: PipelineConfig, paths: list[Path], outcome: str) -> list[Path]:
    """Move ``paths`` to ``processed/`` (outcome 'processed') or ``failed/``; returns new paths."""
    if not config.archive_processed_files or not config.monitored_directory:
        return []
    folder = Path(config.monitored_directory).resolve().parent / outcome
    folder.mkdir(parents=True, exist_ok=True)
    moved = []
    for path in paths:
        path = Path(path)
        if not path.exists():
            continue
        target = folder / path.name
        if target.exists():
            stamp = datetime.now().strftime("%Y%m%d%H%M%S%f")
            target = folder / f"{path.stem}.{stamp}{path.suffix}"
        moved.append(Path(shutil.move(str(path), str(target))))
    return moved
