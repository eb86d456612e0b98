"""Deciding, tick by tick, which FAILED files of an import the file sensor retries.

Free of Dagster, like :mod:`elt_project.orchestration.file_watch`. A failed file
is still in the folder with the same content, so the folder alone never brings it
back. The sensor keeps, per content hash, the *retry basis*
(:func:`elt_project.pipeline.retry.retry_basis`: config, rules, table columns) as it
was when it last asked for the file. A FAILED file whose basis has changed since
is retried once; one whose basis is unchanged is *held back*, and the skip message
says so. The run key names the failed run it retries, so each failure is retried
at most once by the sensor and a later failure gets a fresh key (Dagster never
reuses a run key).

Rules:
- only FAILED files still in the folder with the size and mtime the ledger
  recorded are considered (a changed file is new content: the normal path loads it);
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

from elt_project.orchestration.file_watch import SENT_RETENTION_S, PlannedRun
from elt_project.pipeline.ledger import FailedFile

#: How much of a failed file's error the sensor's skip message quotes.
ERROR_CHARS = 160


@dataclass
class RetryPlan:
    runs: list[PlannedRun]
    held: list[FailedFile]
    retrying: list[FailedFile]
    tried: dict[str, list] = field(default_factory=dict)


def file_name(entry: FailedFile) -> str:
    """The base name of a ledger path written on any OS."""
    return PurePath(entry.file_path.replace("\\", "/")).name


def plan_retries(
    *,
    import_slug: str,
    load_method: str,
    failed: Iterable[FailedFile],
    listing: Mapping[str, tuple[int, float]],
    busy: set[str],
    tried: Mapping[str, list],
    basis: Callable[[], str],
    now: float,
) -> RetryPlan:
    """Retry runs for FAILED files whose basis changed; ``busy`` hashes are in this tick's runs already.

    ``listing`` maps file name -> (size, mtime); ``basis()`` is called at most once,
    and only when a failed file is in the folder.
    """
    failed = list(failed)
    failed_hashes = {f.content_hash for f in failed}
    kept = {h: list(v) for h, v in tried.items() if h in failed_hashes or now - float(v[1]) < SENT_RETENTION_S}
    present = [
        f
        for f in failed
        if listing.get(file_name(f)) == (f.file_size, f.file_mtime) and f.content_hash not in busy
    ]
    plan = RetryPlan(runs=[], held=[], retrying=[], tried=kept)
    if not present:
        return plan
    current = basis()
    due: list[FailedFile] = []
    for entry in present:
        seen = kept.get(entry.content_hash)
        if seen is None:
            kept[entry.content_hash] = [current, now, None]
            plan.held.append(entry)
        elif len(seen) > 2 and seen[2] is not None and seen[2] == entry.run_id:
            plan.retrying.append(entry)  # asked for already; the retry run has not claimed it yet
        elif seen[0] != current:
            kept[entry.content_hash] = [current, now, entry.run_id]
            due.append(entry)
        else:
            plan.held.append(entry)
    if load_method == "append":
        plan.runs = [
            PlannedRun(
                run_key=f"{import_slug}:{f.content_hash}:retry:{f.run_id}",
                files=[file_name(f)],
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
        f"rules or tables change, or now with `elt retry {import_name}`."
    )
    return " ".join(sentences)
