"""The grown-file check on its own, on both warehouses: which file counts as grown, and the reason given.

tests/pipeline/test_growth.py drops files through whole imports; here the ledger rows are
written with the ledger's own calls and the check is asked directly, case by case.
"""

from __future__ import annotations

import hashlib

import pytest

from elt_project.config.models import PipelineConfig
from elt_project.ingest.identity import file_identity
from elt_project.pipeline import ledger
from elt_project.pipeline.growth import grown_reason

FIRST = b"id,amount\n1,10\n"
REST = b"2,20\n"


def _config(**overrides) -> PipelineConfig:
    values = {
        "pipeline_name": "g",
        "import_name": "g_import",
        "file_pattern": "g_*.csv",
        "file_type": "csv",
        "staging_table": "stg_g",
        "destination_table": "dest_g",
        "load_method": "append",
    }
    return PipelineConfig(**(values | overrides))


def _loaded(engine, path, content: bytes, run_id: str = "run1") -> None:
    """``content`` was loaded from ``path`` by ``run_id`` (the file then grows or changes on disk)."""
    path.write_bytes(content)
    ledger.claim(engine, "g_import", file_identity(path), run_id)
    with engine.begin() as conn:
        ledger.mark_loaded(conn, "g_import", run_id, 1)


@pytest.mark.parametrize(
    ("overrides", "advice"),
    [
        (
            {"load_method": "replace"},
            "drop the complete file again under a new name to replace the destination with it",
        ),
        ({}, "put only the rows that were missing into a file of their own under a new name"),
    ],
)
def test_a_file_longer_than_its_loaded_start_is_refused_with_the_advice_for_its_method(
    engine, tmp_path, overrides, advice
):
    path = tmp_path / "g_1.csv"
    _loaded(engine, path, FIRST)
    path.write_bytes(FIRST + REST)
    assert grown_reason(engine, _config(**overrides), file_identity(path)) == (
        f"g_1.csv grew after it was loaded: run run1 loaded its first {len(FIRST)} bytes and it now has "
        f"{len(FIRST + REST)}, so it was refused to keep rows from loading twice; {advice}, and have the writer "
        "write to a temporary name and rename the file when it is complete."
    )


def test_an_append_import_with_a_dedup_key_lets_dedup_handle_it(engine, tmp_path):
    path = tmp_path / "g_1.csv"
    _loaded(engine, path, FIRST)
    path.write_bytes(FIRST + REST)
    assert grown_reason(engine, _config(deduplication_key="id"), file_identity(path)) is None
    assert grown_reason(engine, _config(deduplication_key="id", load_method="replace"), file_identity(path))


def test_only_a_file_that_starts_with_the_loaded_content_has_grown(engine, tmp_path):
    path = tmp_path / "g_1.csv"
    _loaded(engine, path, FIRST)
    path.write_bytes(b"id,amount\n9,99\n" + REST)  # the same name, other content
    assert grown_reason(engine, _config(), file_identity(path)) is None
    path.write_bytes(FIRST)  # the very file again, no longer: a duplicate, not growth
    assert grown_reason(engine, _config(), file_identity(path)) is None


def test_the_matching_load_among_several_at_that_path_is_the_one_named(engine, tmp_path):
    path = tmp_path / "g_1.csv"
    # another content once loaded from that path, longer than the start that matches: checked first, passed over
    _loaded(engine, path, b"y" * (len(FIRST) + 2), "run1")
    _loaded(engine, path, FIRST, "run2")
    path.write_bytes(FIRST + REST)
    reason = grown_reason(engine, _config(), file_identity(path))
    assert reason.startswith(f"g_1.csv grew after it was loaded: run run2 loaded its first {len(FIRST)} bytes")
    assert hashlib.sha256(FIRST).hexdigest() in ledger.loaded_hashes(engine, "g_import")


def test_a_file_that_cannot_be_read_now_is_left_to_the_load(engine, tmp_path):
    path = tmp_path / "g_1.csv"
    _loaded(engine, path, FIRST)
    path.write_bytes(FIRST + REST)
    identity = file_identity(path)
    path.unlink()
    assert grown_reason(engine, _config(), identity) is None
