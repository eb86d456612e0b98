"""Each list of names lives once: file types and their endings in the parser registry, remote source
kinds in ``source_kinds``. Everything else (uploads, the page's file picker, the launchpad form, the
config models, ``elt scraper test``) is derived, so a new parser or source cannot be half-registered.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from elt_project.config.models import PipelineConfig
from elt_project.errors import SourceFileError
from elt_project.ingest import registry, source_kinds
from elt_project.ingest.base import Parser
from elt_project.ingest.sources.catalog import REMOTE_SOURCES
from elt_project.ingest.uploads import allowed_extensions, upload_extension

REMOTE = {"generic_sftp_downloader", "generic_web_scraper", "generic_selenium_scraper", "download_file_with_selenium"}


def _config(**values) -> PipelineConfig:
    row = {
        "pipeline_name": "p",
        "import_name": "i",
        "file_pattern": "*",
        "monitored_directory": "/tmp/unused",
        "file_type": "csv",
        "staging_table": "s",
        "destination_table": "d",
    }
    return PipelineConfig(**{**row, **values})


class _FixedWidthParser(Parser):
    """A parser a site might add; it reads nothing here, only its registration matters."""

    file_type = "fwf"

    def batches(self, path: Path, *, batch_rows: int):
        raise NotImplementedError


@pytest.fixture
def private_registry(monkeypatch):
    """Register parsers into a copy, so no other test sees them."""
    monkeypatch.setattr(registry, "_PARSERS", dict(registry._PARSERS))


def test_a_parser_without_file_endings_cannot_be_registered(private_registry):
    with pytest.raises(TypeError, match="must list the file endings it reads"):
        registry.register_parser("fwf", _FixedWidthParser)
    assert "fwf" not in registry.registered_file_types()


def test_a_new_parser_accepts_only_its_own_endings_for_uploads(private_registry, monkeypatch):
    monkeypatch.setattr(_FixedWidthParser, "extensions", frozenset({".fwf"}))
    registry.register_parser("fwf", _FixedWidthParser)
    config = _config(file_type="fwf")

    assert allowed_extensions(config) == {".fwf"}
    assert upload_extension(config, "Ledger.FWF") == ".fwf"
    with pytest.raises(SourceFileError, match="reads fwf files; choose a file ending in .fwf"):
        upload_extension(config, "ledger.csv")


def test_upload_endings_come_from_the_registered_parsers():
    for file_type in registry.registered_file_types():
        assert allowed_extensions(_config(file_type=file_type)) == registry.parser_for(file_type).extensions
    assert allowed_extensions(_config(file_type="excel")) == {".xlsx", ".xlsm"}  # openpyxl cannot read .xls
    with pytest.raises(SourceFileError, match="choose a file ending in .xlsm, .xlsx"):
        upload_extension(_config(file_type="excel"), "old.xls")


def test_a_custom_parser_import_takes_its_endings_from_its_pattern():
    config = _config(file_type="custom", parser_function="parse_report_with_footer", file_pattern="*.rpt")
    assert allowed_extensions(config) is None
    assert upload_extension(config, "month.rpt") == ".rpt"


def test_remote_source_kinds_are_one_list():
    assert source_kinds.REMOTE_SOURCE_FUNCTIONS == REMOTE
    assert set(REMOTE_SOURCES) == REMOTE  # one builder per kind, no more
    assert set(source_kinds.SCRAPER_TYPES.values()) == REMOTE
    assert not REMOTE & set(registry.ALLOWED_CUSTOM_PARSERS)
    for name in REMOTE:
        assert registry.is_known_source("anything", name)
    assert _config(parser_function="generic_sftp_downloader").reads_monitored_folder is False
    assert _config().reads_monitored_folder is True


def test_the_docs_name_every_registered_type_with_its_endings():
    docs = (Path(__file__).resolve().parents[2] / "docs" / "pipelines.md").read_text(encoding="utf-8")
    listed = ", ".join(
        f"`{file_type}` ({', '.join(sorted(registry.parser_for(file_type).extensions))})"
        for file_type in sorted(registry.registered_file_types())
    )
    assert f"the file endings an upload may have: {listed};" in docs
