"""Putting a file a person uploads into an import's monitored folder, safely.

- The name on disk is generated (``<pattern with * = upload_<time>_<random>>``),
  never the uploader's, so nothing can escape the folder or overwrite a file;
  it still matches the import's ``file_pattern``, so the sensor and the run see it.
- The extension must suit the import's ``file_type`` and the pattern.
- Bytes go to a hidden ``.partial`` name (which listings ignore) and are renamed
  into place only when complete, so a sensor never sees half a file.
- A file over the size limit is removed, not kept truncated.
"""

from __future__ import annotations

import fnmatch
import os
import secrets
import time
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO, Protocol

from elt_project.errors import ConfigurationError, SourceFileError
from elt_project.ingest.paths import check_monitored_root, native_path
from elt_project.ingest.registry import extensions_for

_COPY_CHUNK = 1024 * 1024


class UploadTarget(Protocol):
    """What an upload needs of an import (a ``PipelineConfig`` row is one).

    Described here rather than imported, because the config models validate against
    ``ingest`` (its parsers, sources and folders): ``ingest`` must not import them back.
    """

    @property
    def import_name(self) -> str: ...
    @property
    def file_type(self) -> str: ...
    @property
    def file_pattern(self) -> str | None: ...
    @property
    def parser_function(self) -> str | None: ...
    @property
    def monitored_directory(self) -> str | None: ...
    @property
    def reads_monitored_folder(self) -> bool: ...


def allowed_extensions(config: UploadTarget) -> frozenset[str] | None:
    """The endings an upload for this import may have: its parser's (the registry's).

    None for an import read by an allow-listed custom parser, whose ``file_type`` is only a
    label: there the import's ``file_pattern`` decides (see :func:`generated_name`).
    """
    allowed = extensions_for(config.file_type)
    if allowed is None and not config.parser_function:
        return frozenset()  # no parser reads this type: nothing may be uploaded for it
    return allowed


def upload_extension(config: UploadTarget, original_name: str) -> str:
    """The upload's extension (lower case) when it suits the import; SourceFileError otherwise."""
    ext = os.path.splitext(os.path.basename(original_name or ""))[1].lower()
    allowed = allowed_extensions(config)
    if not ext or (allowed is not None and ext not in allowed):
        wanted = ", ".join(sorted(allowed or ())) or "the pattern's"
        raise SourceFileError(
            f"Import '{config.import_name}' reads {config.file_type} files; choose a file ending in {wanted}."
        )
    return ext


def generated_name(config: UploadTarget, ext: str, token: str) -> str:
    """A fresh file name that matches the import's pattern and ends in ``ext``."""
    pattern = os.path.basename(str(native_path(config.file_pattern or "*"))) or "*"
    candidates = []
    if "*" in pattern:
        filled = pattern.replace("*", token, 1).replace("*", "")
        candidates += [filled, pattern.replace("*", token + ext, 1).replace("*", "")]
    candidates = [c.replace("?", "0") for c in candidates]
    for name in candidates:
        if name.lower().endswith(ext) and fnmatch.fnmatchcase(name.casefold(), pattern.casefold()):
            return name
    raise SourceFileError(
        f"Import '{config.import_name}' expects files named {pattern}, which a {ext} upload cannot be "
        "named to match; drop the file into its folder instead or ask an administrator."
    )


def save_upload(
    config: UploadTarget,
    stream: BinaryIO,
    original_name: str,
    *,
    max_bytes: int,
    uploader: str = "",
    roots: Sequence[Path] | None = None,
) -> Path:
    """Write ``stream`` into the import's monitored folder under a generated name; returns the path.

    With ``roots`` (``Settings.monitored_root_folders()``) a folder outside them is refused: an upload
    must not write where a config row points if no run would be allowed to read it.
    """
    if not config.reads_monitored_folder:
        raise SourceFileError(
            f"Import '{config.import_name}' does not read files from a folder, so files cannot be uploaded for it."
        )
    if roots is not None:
        try:
            check_monitored_root(config.monitored_directory or "", roots)
        except ConfigurationError as exc:
            raise SourceFileError(
                f"The folder of import '{config.import_name}' is outside the folders imports may watch; "
                "ask an administrator to fix its monitored_directory."
            ) from exc
    ext = upload_extension(config, original_name)
    who = "".join(ch for ch in uploader if ch.isalnum())[:20]
    token = f"upload_{time.strftime('%Y%m%d_%H%M%S')}_{who + '_' if who else ''}{secrets.token_hex(4)}"
    name = generated_name(config, ext, token)
    folder = native_path(config.monitored_directory or "").resolve()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SourceFileError(
            f"The folder of import '{config.import_name}' cannot be created; ask an administrator to check it."
        ) from exc
    target = folder / name
    partial = folder / f".{token}{ext}.partial"
    written = 0
    try:
        with partial.open("xb") as handle:
            while chunk := stream.read(_COPY_CHUNK):
                written += len(chunk)
                if written > max_bytes:
                    raise SourceFileError(
                        f"The file is larger than {max_bytes // (1024 * 1024)} MB; split it or ask an "
                        "administrator to raise RUNNER_UPLOAD_MAX_MB."
                    )
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        if written == 0:
            raise SourceFileError("The file is empty; choose the file again.")
        if target.exists():  # the random part makes this all but impossible; never overwrite anyway
            raise SourceFileError("A file with the same generated name is waiting already; upload it again.")
        os.replace(partial, target)
    except OSError as exc:
        raise SourceFileError(
            f"The file could not be written into the folder of import '{config.import_name}'; "
            "ask an administrator to check the folder's permissions and free space."
        ) from exc
    finally:
        if partial.exists():
            partial.unlink()
    return target
