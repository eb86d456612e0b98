"""Running a scraper config outside Dagster, for developing it (``elt scraper test``, test_scraper_config.py).

The production path, minus the warehouse: the same source classes fetch, the same
parser registry reads what they fetched, and the tables come back as Arrow
tables for a preview. Nothing is staged and the ledger is not consulted, so a
config can be run again and again while it is being written.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from elt_project.ingest.reader import read_batches
from elt_project.ingest.source_kinds import DOWNLOAD_ONLY, SCRAPER_TYPES
from elt_project.ingest.sources.base import SourceContext
from elt_project.ingest.sources.catalog import build_source
from elt_project.ingest.sources.secrets import SecretBook


@dataclass
class TrialTable:
    """One extracted table (or, for a download, the file saved)."""

    name: str
    table: pa.Table | None
    origin: str


def run_trial(
    config: dict[str, Any],
    scraper_type: str,
    *,
    secrets: SecretBook,
    log_dir: Path,
    log: Callable[[str], None] = print,
) -> list[TrialTable]:
    """Fetch with ``config`` as ``scraper_type`` would in production and parse each result."""
    if scraper_type not in SCRAPER_TYPES:
        from elt_project.errors import ConfigurationError

        raise ConfigurationError(f"--scraper_type '{scraper_type}' is unknown; use {', '.join(SCRAPER_TYPES)}.")
    parser_function = SCRAPER_TYPES[scraper_type]
    source = build_source(parser_function, config)
    work_dir = Path(tempfile.mkdtemp(prefix="elt-scraper-test-"))
    context = SourceContext(import_name="scraper_test", work_dir=work_dir, log_dir=log_dir, secrets=secrets, log=log)
    try:
        fetched = source.fetch(context)
        if parser_function in DOWNLOAD_ONLY:
            return [TrialTable(f.name, None, str(f.path)) for f in fetched]
        results = []
        for item in fetched:
            batches = list(read_batches(item.path, file_type=item.file_type, options=item.parse_options))
            table = pa.Table.from_batches(batches) if batches else pa.table({})
            results.append(TrialTable(item.name, table, item.ledger_path))
        return results
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)
