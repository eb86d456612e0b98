"""Monitored-folder confinement, pattern matching and file identity."""

from __future__ import annotations

import hashlib
import os
import time

import pytest

from elt_project.errors import ConfigurationError, SourceFileError
from elt_project.ingest.identity import CHUNK_BYTES, file_identity
from elt_project.ingest.paths import list_matching_files, resolve_source_file
from elt_project.ingest.reader import read_batches


@pytest.fixture
def folder(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    return inbox


def touch(path, content="a\n1\n", mtime=None):
    path.write_text(content)
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def test_resolve_relative_and_absolute_inside(folder):
    inside = touch(folder / "a.csv")
    assert resolve_source_file(str(folder), "a.csv") == inside.resolve()
    assert resolve_source_file(str(folder), inside) == inside.resolve()


@pytest.mark.parametrize("escape", ["../secret.csv", "..\\secret.csv", "sub/../../secret.csv"])
def test_dotdot_is_refused(folder, escape):
    touch(folder.parent / "secret.csv")
    with pytest.raises(SourceFileError) as err:
        resolve_source_file(str(folder), escape)
    assert f"is outside the import's monitored folder {folder.resolve()};" in str(err.value)


def test_absolute_path_outside_is_refused(folder, tmp_path):
    outside = touch(tmp_path / "other.csv")
    with pytest.raises(SourceFileError, match="outside the import's monitored folder"):
        resolve_source_file(str(folder), str(outside))


def test_prefix_sibling_folder_is_refused(folder, tmp_path):
    sibling = tmp_path / "inbox_evil"
    sibling.mkdir()
    with pytest.raises(SourceFileError, match="outside the import's monitored folder"):
        resolve_source_file(str(folder), str(touch(sibling / "x.csv")))


def test_symlink_pointing_out_is_refused(folder, tmp_path):
    target = touch(tmp_path / "target.csv")
    (folder / "link.csv").symlink_to(target)
    with pytest.raises(SourceFileError, match="outside the import's monitored folder"):
        resolve_source_file(str(folder), "link.csv")
    assert list_matching_files(str(folder), "*.csv") == []


def test_backslashes_in_configured_folder(folder):
    touch(folder / "a.csv")
    configured = str(folder).replace("/", "\\") if os.sep == "/" else str(folder)
    assert resolve_source_file(configured, "a.csv").name == "a.csv"
    assert [p.name for p in list_matching_files(configured, "*.csv")] == ["a.csv"]


def test_missing_folder_is_a_configuration_error(tmp_path):
    with pytest.raises(ConfigurationError, match="is not an existing folder"):
        list_matching_files(str(tmp_path / "nope"), "*.csv")


def test_listing_sorted_by_mtime_then_name_and_ignores_temp_files(folder):
    now = time.time()
    touch(folder / "b_2024.csv", mtime=now - 100)
    touch(folder / "a_2024.csv", mtime=now - 100)
    touch(folder / "c_2023.CSV", mtime=now - 200)
    for junk in ("~$budget.csv", ".hidden.csv", "x.csv.partial", "x.csv.tmp", "x.csv.crdownload", "notes.txt"):
        touch(folder / junk)
    (folder / "dir.csv").mkdir()
    names = [p.name for p in list_matching_files(str(folder), "*.csv")]
    assert names == ["c_2023.CSV", "a_2024.csv", "b_2024.csv"]


def test_pattern_is_reduced_to_its_base_name(folder, tmp_path):
    touch(tmp_path / "outside.csv")
    touch(folder / "inside.csv")
    assert [p.name for p in list_matching_files(str(folder), "../*.csv")] == ["inside.csv"]
    assert [p.name for p in list_matching_files(str(folder), "..\\..\\etc\\*")] == ["inside.csv"]
    assert list_matching_files(str(folder), "../../etc/passwd") == []


def test_file_deleted_between_listing_and_reading(folder):
    touch(folder / "a.csv")
    (listed,) = list_matching_files(str(folder), "*.csv")
    listed.unlink()
    with pytest.raises(SourceFileError, match="a.csv no longer exists"):
        list(read_batches(listed, file_type="csv"))
    with pytest.raises(SourceFileError, match="no longer exists"):
        file_identity(listed)


def test_file_identity_hashes_in_chunks(tmp_path):
    content = os.urandom(CHUNK_BYTES * 2 + 123)
    path = tmp_path / "data.bin"
    path.write_bytes(content)
    identity = file_identity(path)
    assert identity.path == path
    assert identity.size == len(content)
    assert identity.sha256 == hashlib.sha256(content).hexdigest()
    assert identity.mtime == path.stat().st_mtime


def test_file_identity_changes_with_content(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("a\n1\n")
    first = file_identity(path)
    path.write_text("a\n2\n")
    assert file_identity(path).sha256 != first.sha256


def test_locked_file_is_transient_and_vanished_file_is_not(tmp_path):
    from elt_project.errors import TransientError
    from elt_project.ingest.base import file_access_error

    path = tmp_path / "a.csv"
    locked = file_access_error(path, PermissionError(13, "Permission denied"))
    gone = file_access_error(path, FileNotFoundError(2, "No such file or directory"))
    assert isinstance(locked, TransientError) and "close any program holding it open" in str(locked)
    assert isinstance(gone, SourceFileError) and "no longer exists" in str(gone)


def test_the_one_content_hash_streams_the_whole_file_or_a_prefix(tmp_path):
    import hashlib

    from elt_project.ingest.identity import CHUNK_BYTES, file_identity, sha256_file

    data = bytes(range(256)) * (CHUNK_BYTES // 256 * 2 + 3)  # more than two chunks, not a whole number of them
    path = tmp_path / "big.bin"
    path.write_bytes(data)
    assert sha256_file(path) == hashlib.sha256(data).hexdigest() == file_identity(path).sha256
    for limit in (0, 1, CHUNK_BYTES, CHUNK_BYTES + 7, len(data), len(data) + 10):
        assert sha256_file(path, limit=limit) == hashlib.sha256(data[:limit]).hexdigest(), limit
