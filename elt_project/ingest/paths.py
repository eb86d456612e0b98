"""Where source files may come from: the monitored folder, and nothing outside it.

Config rows are typed by people on Windows and Linux alike, so both ``/`` and
``\\`` work as separators. Paths are compared after resolving symlinks, so a link
inside the folder that points elsewhere is refused like ``../`` is.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from elt_project.errors import ConfigurationError, SourceFileError

#: Files that are still being written or belong to an editor, never loaded.
IGNORED_PREFIXES = ("~$", ".")
IGNORED_SUFFIXES = (".partial", ".part", ".filepart", ".tmp", ".crdownload", ".download")


def native_path(text: str | Path) -> Path:
    """A configured path with either kind of slash, as a Path on this OS."""
    value = str(text)
    if os.sep == "/":
        value = value.replace("\\", "/")
    return Path(value).expanduser()


def monitored_folder(monitored_directory: str) -> Path:
    """The resolved monitored folder; ConfigurationError when it is not a folder."""
    if not monitored_directory or not str(monitored_directory).strip():
        raise ConfigurationError("monitored_directory is empty; set it to the folder files are dropped into.")
    folder = native_path(str(monitored_directory).strip()).resolve()
    if not folder.is_dir():
        raise ConfigurationError(
            f"monitored_directory '{monitored_directory}' is not an existing folder; create it or fix the config row."
        )
    return folder


def check_monitored_root(monitored_directory: str, roots: Sequence[Path]) -> Path:
    """The resolved ``monitored_directory`` when it is one of ``roots`` or inside one; ConfigurationError otherwise.

    A config row names a folder the product reads, and, with archiving, moves files
    out of: without this limit a row could read or move any file the service can.
    Checked when configs are validated and again before each run.
    """
    folder = native_path(str(monitored_directory or "").strip()).resolve()
    if any(folder == root or root in folder.parents for root in roots):
        return folder
    raise ConfigurationError(
        f"monitored_directory '{monitored_directory}' is outside the folders imports may watch "
        f"({', '.join(str(r) for r in roots)}); use a folder under the data folder, or ask an administrator to add "
        "its parent to ELT_MONITORED_ROOTS."
    )


def resolve_source_file(monitored_directory: str, path: str | Path) -> Path:
    """The real path of ``path`` (relative paths are taken inside the folder), refusing escapes."""
    folder = monitored_folder(monitored_directory)
    candidate = native_path(path)
    if not candidate.is_absolute():
        candidate = folder / candidate
    real = candidate.resolve()
    if real != folder and folder in real.parents:
        return real
    raise SourceFileError(
        f"{path} is outside the import's monitored folder {folder}; move the file into that folder "
        "or name one that is in it."
    )


def is_ignored(name: str) -> bool:
    """True for hidden, Office lock and partial-download files."""
    lowered = name.lower()
    return lowered.startswith(IGNORED_PREFIXES) or lowered.endswith(IGNORED_SUFFIXES)


class FolderFile(NamedTuple):
    """One file a monitored folder offers: its name and path in the folder, its size and mtime."""

    name: str
    path: Path
    size: int
    mtime: float


def scan_folder(folder: Path, file_pattern: str | None) -> list[FolderFile]:
    """The files directly in ``folder`` an import would load: THE listing rule, for ``elt run`` and the sensor alike.

    The pattern is reduced to its base name so ``../../etc/*`` cannot leave the
    folder; matching ignores case because Windows file names do; hidden, lock and
    partial files are skipped. A symlink counts when it resolves to a file inside
    the folder (a sub-folder included), the same rule :func:`resolve_source_file`
    applies when the file is loaded; one resolving outside is skipped. Only
    symlinks are resolved, so a listing of 10,000 plain files costs one ``stat`` each.
    """
    root = folder.resolve()
    pattern = (os.path.basename(str(native_path(file_pattern or "*"))) or "*").casefold()
    found: list[FolderFile] = []
    with os.scandir(root) as entries:
        for entry in entries:
            if is_ignored(entry.name) or not fnmatch.fnmatchcase(entry.name.casefold(), pattern):
                continue
            try:
                if not entry.is_file():
                    continue
                if entry.is_symlink():
                    real = Path(entry.path).resolve()
                    if root not in real.parents:
                        continue
                st = entry.stat()
            except OSError:  # vanished between listing and stat: not there any more
                continue
            found.append(FolderFile(entry.name, Path(entry.path), st.st_size, st.st_mtime))
    return found


def list_matching_files(monitored_directory: str, file_pattern: str) -> list[Path]:
    """Paths of :func:`scan_folder` for a configured folder, oldest first (mtime, then name)."""
    files = scan_folder(monitored_folder(monitored_directory), file_pattern)
    return [f.path for f in sorted(files, key=lambda f: (f.mtime, f.name))]
