"""Deciding, tick by tick, which FAILED files of an import the file sensor retries.

Free of Dagster, like :mod:`elt_project.orchestration.file_watch`. A failed file
is still in the folder with the same content, so the folder alone never brings it
back. The sensor keeps a short log of the *retry basis*
(:func:`elt_project.pipeline.retry.retry_basis`: config, rules, table columns) as it
was whenever it asked for files, so it knows what a file's load depended on (its
request time is in the cursor's ``sent``). A FAILED file whose basis has changed
since is retried once; one whose basis is unchanged is *held back*, and the skip
message says so. Only failed files get an entry of their own. The run key names
the failed run it retries, so each failure is retried at most once by the sensor
and a later failure gets a fresh key (Dagster never reuses a run key).

Rules:
- only FAILED content still in the folder is considered: the file with the size and
  mtime the ledger recorded, or a file read in this tick with that content (a changed
  file is new content: the normal path loads it);
- a FAILED file the sensor never asked for (it failed in ``elt run`` or the web
  runner) has its basis noted at first sight and is retried on the next change;
- ``append`` imports get one run per file; a ``replace`` import one run over its
  whole folder of not-yet-loaded files, as its batch was.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePath

from elt_project.orchestration.file_watch import SENT_RETENTION_S, PlannedRun, WatchCursor
from elt_project.pipeline.ledger import FailedFile

#: How much of a failed file's error the sensor's skip message quotes.
ERROR_CHARS = 160


#: Hex digits of a retry basis kept in the cursor: enough to tell two apart.
BASIS_CHARS = 16


@dataclass
class RetryPlan:
    runs: list[PlannedRun]
    held: list[FailedFile]
    retrying: list[FailedFile]
    tried: dict[str, list] = field(default_factory=dict)
    bases: list[list] = field(default_factory=list)


def file_name(entry: FailedFile) -> str:
    """The base name of a ledger path written on any OS."""
    return PurePath(entry.file_path.replace("\\", "/")).name


def basis_at(bases: list[list], moment: float) -> str | None:
    """The basis in effect at ``moment`` according to the ``[time, basis]`` log, None if older than the log."""
    found = None
    for at, basis in bases:
        if at <= moment:
            found = basis
    return found


def plan_retries(
    *,
    import_slug: str,
    load_method: str,
    failed: Iterable[FailedFile],
    listing: Mapping[str, tuple[int, float]],
    busy: set[str],
    cursor: WatchCursor,
    basis: Callable[[], str],
    requesting: bool,
    now: float,
    seen: Mapping[str, str] | None = None,
) -> RetryPlan:
    """Retry runs for FAILED files whose basis changed since they were asked for.

    ``cursor`` is this tick's (its ``sent`` already holds the hashes requested now, at
    ``now``); ``busy`` hashes are in this tick's runs; ``listing`` maps file name ->
    (size, mtime); ``seen`` maps hashes read in this tick to their file names (a failed
    file copied back in under a new mtime is found by content). ``basis()`` is called
    at most once: when this tick requests runs (``requesting``), so the log records
    what they depended on, or when a failed file is in the folder.
    """
    failed = list(failed)
    failed_hashes = {f.content_hash for f in failed}
    bases = _pruned(cursor.bases, now)
    tried = {h: list(v) for h, v in cursor.tried.items() if h in failed_hashes}
    plan = RetryPlan(runs=[], held=[], retrying=[], tried=tried, bases=bases)
    current: str | None = None

    def current_basis() -> str:
        nonlocal current
        if current is None:
            current = basis()[:BASIS_CHARS]
            if not bases or bases[-1][1] != current:
                bases.append([now, current])
        return current

    if requesting:
        current_basis()
    seen = dict(seen or {})
    names: dict[str, str] = {}
    for f in failed:
        if f.content_hash in busy:
            continue
        if listing.get(file_name(f)) == (f.file_size, f.file_mtime):
            names[f.content_hash] = file_name(f)
        elif f.content_hash in seen:
            names[f.content_hash] = seen[f.content_hash]
    present = [f for f in failed if f.content_hash in names]
    due: list[FailedFile] = []
    for entry in present:
        digest = entry.content_hash
        seen = tried.get(digest)
        if seen is None and digest in cursor.sent:
            asked = basis_at(bases, cursor.sent[digest])
            seen = None if asked is None else [asked, cursor.sent[digest], None]
        if seen is None:
            tried[digest] = [current_basis(), now, None]
            plan.held.append(entry)
        elif len(seen) > 2 and seen[2] is not None and seen[2] == entry.run_id:
            plan.retrying.append(entry)  # asked for already; the retry run has not claimed it yet
        elif seen[0] != current_basis():
            tried[digest] = [current_basis(), now, entry.run_id]
            due.append(entry)
        else:
            tried[digest] = seen
            plan.held.append(entry)
    if load_method == "append":
        plan.runs = [
            PlannedRun(
                run_key=f"{import_slug}:{f.content_hash}:retry:{f.run_id}",
                files=[names[f.content_hash]],
                hashes=[f.content_hash],
            )
            for f in due
        ]
    elif due:
        tokens = sorted(f"{f.content_hash}:{f.run_id}" for f in due)
        key = hashlib.sha256("\n".join(tokens).encode()).hexdigest()
        # No file list: the run loads every not-yet-loaded file of the folder, as a replace batch does.
        plan.runs = [PlannedRun(run_key=f"{import_slug}:retry:{key}", files=[], hashes=[f.content_hash for f in due])]
    return plan


def _pruned(bases: list[list], now: float) -> list[list]:
    """The log of the last day, plus the entry in effect when that day began."""
    entries = [list(e) for e in bases]
    recent = [e for e in entries if now - float(e[0]) < SENT_RETENTION_S]
    older = [e for e in entries if now - float(e[0]) >= SENT_RETENTION_S]
    return older[-1:] + recent


def held_message(plan: RetryPlan, import_name: str) -> str:
    """The sentences the sensor adds to its skip reason for files held back as failed."""
    sentences = []
    if plan.retrying:
        names = ", ".join(file_name(f) for f in plan.retrying)
        sentences.append(f"Retry requested for failed file(s) {names}; waiting for that run.")
    held = plan.held
    if not held:
        return " ".join(sentences)
    described = []
    for entry in held[:5]:
        error = (entry.error_message or "no error recorded").strip().splitlines()[0][:ERROR_CHARS]
        described.append(f"{file_name(entry)} ({error})")
    more = f" and {len(held) - 5} more" if len(held) > 5 else ""
    sentences.append(
        f"Held back as failed: {'; '.join(described)}{more}. They are retried when the import's config, "
        f"rules or tables change, or now with `python3 launch.py elt retry {import_name}`."
    )
    return " ".join(sentences)
