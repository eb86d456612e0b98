"""The remote sources are registered beside the parsers: the allow-list grows by exactly their names."""

from __future__ import annotations

import pytest

from elt_project.config.models import PipelineConfig
from elt_project.errors import ConfigurationError
from elt_project.ingest import registry
from elt_project.ingest.reader import read_batches

REMOTE = {"generic_sftp_downloader", "generic_web_scraper", "generic_selenium_scraper", "download_file_with_selenium"}


def test_allow_list_is_the_custom_parsers_plus_the_remote_sources():
    allowed = [*registry.ALLOWED_CUSTOM_PARSERS, *REMOTE, "os.system", "eval"]
    assert {name for name in allowed if registry.is_known_source("custom", name)} == (
        set(registry.ALLOWED_CUSTOM_PARSERS) | REMOTE
    )
    assert not REMOTE & set(registry.ALLOWED_CUSTOM_PARSERS)


def test_a_remote_row_validates_and_other_names_are_still_refused():
    row = {
        "pipeline_name": "p",
        "import_name": "i",
        "file_type": "custom_scraper",
        "staging_table": "s",
        "destination_table": "d",
        "parser_function": "generic_web_scraper",
        "scraper_config": '{"data_extraction": {"url": "https://example.org/api"}}',
    }
    assert PipelineConfig.model_validate(row).parser_function == "generic_web_scraper"
    with pytest.raises(ValueError, match="not an allowed custom parser"):
        PipelineConfig.model_validate({**row, "parser_function": "os.system"})


def test_a_remote_source_name_reads_no_local_file(tmp_path):
    with pytest.raises(ConfigurationError, match="fetches from a remote source and reads no local file"):
        read_batches(tmp_path / "x.csv", file_type="csv", parser_function="generic_sftp_downloader")
