"""Remote imports (SFTP, web, browser) feeding the one engine: fetch → files → the usual staging.

:func:`open_fetch` builds the import's source (its scraper_config is validated
first), and :meth:`RemoteFetch.identities` fetches into a per-run work folder and
returns identities the engine stages exactly like dropped files: the same parser
registry (with ``parse_details``), ledger, staging, quality and transform. The
ledger records where each file came from (``sftp://…``, ``https://…``), not the
temporary path; the work folder is removed when staging ends, whatever happened.

Duplicates: a remote *file* (SFTP) is loaded once, ever — known by address, size
and modification time before it is downloaded, and by content hash after. A
*scrape* is a snapshot: it is a duplicate only when it equals what the last
successful load brought; an older snapshot that comes back is new data again.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine

from elt_project.config.models import PipelineConfig
from elt_project.errors import ConfigurationError, EltError
from elt_project.ingest.identity import FileIdentity, sha256_file
from elt_project.ingest.source_kinds import DOWNLOAD_ONLY, is_remote_source
from elt_project.ingest.sources.base import FetchedFile, SourceContext, safe_file_name
from elt_project.ingest.sources.catalog import build_source
from elt_project.ingest.sources.secrets import SecretBook
from elt_project.pipeline import ledger, run_log
from elt_project.pipeline.results import StageResult
from elt_project.settings import Settings

log = logging.getLogger("elt_project.sources")


@dataclass(frozen=True)
class RemoteIdentity(FileIdentity):
    """A fetched file's identity; the ledger stores ``ledger_path`` (its origin)."""

    ledger_path: str = ""
    fetched: FetchedFile | None = None


def is_remote(config: PipelineConfig) -> bool:
    return is_remote_source(config.parser_function)


def is_download_only(config: PipelineConfig) -> bool:
    return config.parser_function in DOWNLOAD_ONLY


def run_log_dir(settings: Settings, run_id: str) -> Path:
    """Where a run's scraper evidence (screenshots, page source) is kept."""
    return settings.data_dir / "logs" / "scrapers" / safe_file_name(run_id)


def secret_book(settings: Settings) -> SecretBook:
    """Secrets from the sources of ``settings``: the environment, the home's .env, then the keyring."""
    return SecretBook(settings)


class RemoteFetch:
    """One run's fetch for one import; use as a context manager so the work folder is removed."""

    def __init__(self, engine: Engine, settings: Settings, config: PipelineConfig, run_id: str) -> None:
        self.engine, self.config = engine, config
        self.source = build_source(config.parser_function, config.scraper_config)
        self.work_dir = settings.data_dir / "remote" / config.asset_slug / safe_file_name(run_id)
        self.context = SourceContext(
            import_name=config.import_name,
            work_dir=self.work_dir,
            log_dir=run_log_dir(settings, run_id),
            secrets=secret_book(settings),
            already_loaded=self._already_loaded,
            log=log.info,
        )

    def __enter__(self) -> RemoteFetch:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def identities(self) -> list[RemoteIdentity]:
        """Fetch now; identities of the files meant for this import."""
        self.work_dir.mkdir(parents=True, exist_ok=True)
        fetched = select_for_import(self.source.fetch(self.context), self.config.import_name)
        identities = []
        loaded = ledger.loaded_hashes(self.engine, self.config.import_name)
        duplicates: list[str] = []
        for item in fetched:
            stat = item.path.stat()
            identity = RemoteIdentity(
                path=item.path,
                size=stat.st_size,
                mtime=_mtime(item),
                sha256=sha256_file(item.path),
                ledger_path=item.ledger_path,
                fetched=item,
            )
            if not item.duplicate_if_ever_loaded:
                ledger.reopen_superseded_snapshot(self.engine, self.config.import_name, identity.sha256)
            elif identity.sha256 in loaded:
                duplicates.append(item.ledger_path)
            identities.append(identity)
        if duplicates:  # their content is already in the destination: the clean-up is due now
            self._after_loaded(duplicates)
        return identities

    def _after_loaded(self, ledger_paths: list[str]) -> None:
        try:
            self.source.after_loaded(self.context, ledger_paths)
        except EltError as exc:
            log.warning("After-load step of import '%s' failed: %s", self.config.import_name, exc)

    def load_config(self, identity: FileIdentity) -> PipelineConfig:
        """The import as the parser registry must see this file: its parse type and options."""
        item = getattr(identity, "fetched", None)
        if item is None:
            return self.config
        return self.config.model_copy(
            update={"file_type": item.file_type.lower(), "parser_function": None, "scraper_config": item.parse_options}
        )

    def close(self) -> None:
        shutil.rmtree(self.work_dir, ignore_errors=True)

    def _already_loaded(self, ledger_path: str, size: int, mtime: float) -> bool:
        return ledger.loaded_as(self.engine, self.config.import_name, ledger_path, size, mtime)


def _mtime(item: FetchedFile) -> float:
    """Remote files keep their server mtime (set on the local copy); scrapes use the fetch time."""
    return item.path.stat().st_mtime


def select_for_import(fetched: list[FetchedFile], import_name: str) -> list[FetchedFile]:
    """The fetched tables meant for this import: those named after it, else the only one there is."""
    named = [f for f in fetched if f.name == import_name]
    if named:
        return named
    names = {f.name for f in fetched}
    if len(names) <= 1:
        return fetched
    raise ConfigurationError(
        f"The scrape of import '{import_name}' produced tables {', '.join(sorted(names))} and none is named after "
        "the import; set target_import_name of the wanted table to the import's name."
    )


def after_loaded(engine: Engine, settings: Settings, config: PipelineConfig, ledger_paths: Iterable[str]) -> None:
    """After the transform committed: the source's clean-up (SFTP ``after_download``).

    The rows are safely in the destination by now, so a failure here is logged, not
    raised: the next run finds the same remote file already loaded and retries it.
    """
    paths = [p for p in ledger_paths if p]
    if not paths or not is_remote(config):
        return
    try:
        source = build_source(config.parser_function, config.scraper_config)
        context = SourceContext(
            import_name=config.import_name,
            work_dir=settings.data_dir / "remote",
            log_dir=settings.data_dir,
            secrets=secret_book(settings),
            log=log.info,
        )
        source.after_loaded(context, paths)
    except EltError as exc:
        log.warning("After-load step of import '%s' failed: %s", config.import_name, exc)


def run_download(
    engine: Engine, settings: Settings, config: PipelineConfig, *, run_id: str, trigger: str
) -> StageResult:
    """A download-only import: fetch the file into the other import's folder; nothing is staged here."""
    result = StageResult(config.import_name, config.pipeline_name, run_id, config.staging_table)
    log_id = run_log.start(engine, run_id, config, trigger)
    try:
        source = build_source(config.parser_function, config.scraper_config)
        context = SourceContext(
            import_name=config.import_name,
            work_dir=settings.data_dir / "remote" / config.asset_slug / safe_file_name(run_id),
            log_dir=run_log_dir(settings, run_id),
            secrets=secret_book(settings),
            log=log.info,
        )
        context.work_dir.mkdir(parents=True, exist_ok=True)
        try:
            downloaded = source.fetch(context)
        finally:
            shutil.rmtree(context.work_dir, ignore_errors=True)
    except Exception as exc:
        run_log.fail(engine, log_id, exc)
        raise
    names = ", ".join(f.path.name for f in downloaded)
    result.preview = [{"downloaded_file": str(f.path)} for f in downloaded]
    run_log.update(engine, log_id, status=run_log.SUCCESS, file_name=names[:1024] or None, rows_read=0, rows_staged=0)
    return result
