"""The sensor and ``elt run`` see the same files: one listing rule, symlinks in, out and into a sub-folder."""

from __future__ import annotations

import os

import pytest

from elt_project.errors import SourceFileError
from elt_project.ingest.paths import list_matching_files, resolve_source_file
from elt_project.orchestration.sensors import list_folder


@pytest.fixture
def folder(tmp_path):
    """A monitored folder with a plain file and symlinks of every kind next to it."""
    inbox, outside = tmp_path / "inbox", tmp_path / "outside"
    (inbox / "sub").mkdir(parents=True)
    outside.mkdir()
    (inbox / "plain.csv").write_text("a\n1\n")
    (inbox / "other.dat").write_text("a\n2\n")
    (inbox / "sub" / "deep.csv").write_text("a\n3\n")
    (outside / "secret.csv").write_text("a\n4\n")
    links = {
        "link_in.csv": inbox / "other.dat",  # a file in the folder
        "link_sub.csv": inbox / "sub" / "deep.csv",  # a file in a sub-folder: inside
        "link_sub_rel.csv": "sub/deep.csv",  # the same, as a relative link
        "link_out.csv": outside / "secret.csv",  # outside: never listed
        "link_up.csv": "../outside/secret.csv",  # outside through ..
        "link_dir.csv": inbox / "sub",  # a folder, not a file
        "dangling.csv": inbox / "gone.csv",  # points nowhere
        "link_loop.csv": "link_loop.csv",  # points at itself
    }
    for name, target in links.items():
        os.symlink(target, inbox / name)
    return inbox


EXPECTED = {"plain.csv", "link_in.csv", "link_sub.csv", "link_sub_rel.csv"}


def test_sensor_and_run_list_the_same_files(folder):
    by_run = {p.name for p in list_matching_files(str(folder), "*.csv")}
    by_sensor = {name for name, _size, _mtime in list_folder(folder, "*.csv")}
    assert by_run == by_sensor == EXPECTED


def test_every_listed_file_is_loadable_and_nothing_else(folder):
    for name in EXPECTED:
        assert resolve_source_file(str(folder), name).is_file()
    for name in ("link_out.csv", "link_up.csv"):
        with pytest.raises(SourceFileError, match="outside the import's monitored folder"):
            resolve_source_file(str(folder), name)


def test_sizes_agree_and_follow_the_link(folder):
    sizes = {name: size for name, size, _ in list_folder(folder, "*.csv")}
    assert sizes["link_sub.csv"] == (folder / "sub" / "deep.csv").stat().st_size


def test_a_folder_reached_through_a_symlink_lists_the_same(folder, tmp_path):
    alias = tmp_path / "alias"
    os.symlink(folder, alias)
    assert {n for n, _, _ in list_folder(alias, "*.csv")} == {p.name for p in list_matching_files(str(alias), "*.csv")}
    assert {p.name for p in list_matching_files(str(alias), "*.csv")} == EXPECTED
