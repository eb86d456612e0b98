"""What every remote source shares: the run context it gets and the files it hands back.

A source's ``fetch`` writes each thing it fetched as a file in ``context.work_dir``
and returns :class:`FetchedFile` records. The engine parses each with the named
``file_type`` and ``parse_options`` (the parser registry), identifies it by content
hash for the ledger, and records ``ledger_path`` (where the data came from: an
``sftp://`` or ``https://`` address) instead of the temporary local path.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from elt_project.errors import ConfigurationError
from elt_project.ingest.sources.secrets import SecretBook


@dataclass(frozen=True)
class FetchedFile:
    """One fetched file, ready for the parser registry."""

    path: Path
    file_type: str
    ledger_path: str
    parse_options: dict[str, Any] | None = None
    name: str = ""
    #: Only the newest snapshot counts as "already loaded" (scrapes); files count forever (SFTP).
    duplicate_if_ever_loaded: bool = True


@dataclass
class SourceContext:
    """What a fetch may use: a private work folder, a log folder, secrets and the ledger's memory."""

    import_name: str
    work_dir: Path
    log_dir: Path
    secrets: SecretBook
    #: (ledger_path, size, mtime) → True when that exact remote file is already LOADED.
    already_loaded: Callable[[str, int, float], bool] = lambda path, size, mtime: False
    log: Callable[[str], None] = lambda message: None
    notes: list[str] = field(default_factory=list)

    def note(self, message: str) -> None:
        """A line for the run's log; secret values are scrubbed first."""
        clean = self.secrets.redact(message)
        self.notes.append(clean)
        self.log(clean)


class Source(Protocol):
    """A remote source kind; ``config`` is the import's scraper_config."""

    def fetch(self, context: SourceContext) -> list[FetchedFile]: ...

    def after_loaded(self, context: SourceContext, ledger_paths: Iterable[str]) -> None: ...


def require(config: dict[str, Any], key: str, where: str) -> Any:
    """``config[key]``, or a ConfigurationError naming the missing field."""
    value = config.get(key) if isinstance(config, dict) else None
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ConfigurationError(f"scraper_config {where} needs '{key}'; add it to the import's scraper_config.")
    return value


def section(config: dict[str, Any] | None, key: str, *, required: bool = True) -> dict[str, Any]:
    """A JSON object inside scraper_config; refused when it is missing or not an object."""
    value = (config or {}).get(key)
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise ConfigurationError(f"scraper_config needs a '{key}' object ({{...}}); add it to the import's row.")
    return value


_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_file_name(name: str) -> str:
    """A name usable as a local file name on every OS."""
    return _SAFE.sub("_", name).strip("._") or "data"


def write_records(work_dir: Path, name: str, records: list[dict[str, Any]]) -> Path:
    """Write records as a JSON array (what the JSON parser reads), atomically."""
    target = work_dir / f"{safe_file_name(name)}.json"
    partial = target.with_suffix(".json.part")
    with open(partial, "w", encoding="utf-8") as handle:
        json.dump(records, handle, ensure_ascii=False, default=str)
    os.replace(partial, target)
    return target


def write_bytes(work_dir: Path, name: str, data: bytes) -> Path:
    """Write a downloaded body under ``name``, atomically (a half-written file is never seen)."""
    target = work_dir / safe_file_name(name)
    partial = target.with_name(target.name + ".part")
    partial.write_bytes(data)
    os.replace(partial, target)
    return target
