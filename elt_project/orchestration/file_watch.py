"""Deciding, tick by tick, which files in a monitored folder should start a run.

Free of Dagster so the rules can be read (and benchmarked) on their own; the
sensor in :mod:`elt_project.orchestration.sensors` only feeds it a folder
listing, the clock and the ledger, and turns its decisions into run requests.

Rules:
- a file counts once it is stable: size and mtime unchanged for ``min_age`` seconds,
  measured from the tick that first saw that (size, mtime);
- a file is hashed once per (size, mtime); unchanged files are never re-read, so a
  tick over thousands of old files costs one ``stat`` each;
- content (sha256) already LOADED for this import, or already requested by this
  sensor, is skipped: a renamed copy does not load twice, new content under an old
  name does;
- ``append`` imports: one run per file; ``replace`` imports: pending files wait until
  the oldest has waited ``batch_window`` seconds, then one run carries them all.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from elt_project.ingest.identity import sha256_file

CURSOR_VERSION = 2
#: Requested hashes are remembered this long; after that the ledger (LOADED) and Dagster's
#: run-key de-duplication guard against a second load of the same content.
SENT_RETENTION_S = 24 * 3600

NEW, PENDING, DONE = "new", "pending", "done"


@dataclass
class FileState:
    """What the sensor knows about one path; serialised as a short list in the cursor."""

    size: int
    mtime: float
    seen_at: float  # first tick that saw this (size, mtime)
    sha256: str | None = None
    state: str = NEW
    pending_since: float | None = None

    def to_list(self) -> list:
        """Short forms keep a cursor over 10,000 files small: a done file needs only size and mtime."""
        if self.state == DONE:
            return [self.size, self.mtime]
        if self.state == NEW:
            return [self.size, self.mtime, self.seen_at]
        return [self.size, self.mtime, self.seen_at, self.sha256, self.pending_since]

    @classmethod
    def from_list(cls, item: list) -> FileState:
        if len(item) == 2:
            return cls(item[0], item[1], 0.0, None, DONE)
        if len(item) == 3:
            return cls(item[0], item[1], item[2])
        return cls(item[0], item[1], item[2], item[3], PENDING, item[4])


@dataclass
class WatchCursor:
    """The sensor cursor: per-file state (keyed by file name) plus hashes this sensor requested."""

    files: dict[str, FileState] = field(default_factory=dict)
    sent: dict[str, float] = field(default_factory=dict)
    #: failed content hash -> [retry basis it was last tried under, time, failed run id retried or None]
    tried: dict[str, list] = field(default_factory=dict)
    #: [time, retry basis] whenever the basis was seen to change (both: see ``retry_watch``)
    bases: list[list] = field(default_factory=list)
    #: requested content hash -> [file name, request time, ledger run id then]; until the ledger has it
    inflight: dict[str, list] = field(default_factory=dict)
    #: content hash -> automatic re-requests after lost runs (see ``orchestration.recovery``)
    recovered: dict[str, int] = field(default_factory=dict)
    #: when the recovery pass last looked at the ledger
    checked: float = 0.0

    def to_json(self) -> str:
        data = {"v": CURSOR_VERSION, "files": {p: s.to_list() for p, s in self.files.items()}, "sent": self.sent}
        for name in ("tried", "bases", "inflight", "recovered", "checked"):
            if getattr(self, name):
                data[name] = getattr(self, name)
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | None) -> WatchCursor:
        """An empty cursor for None, an unreadable or an older-format cursor (the ledger still guards)."""
        if not text:
            return cls()
        try:
            data = json.loads(text)
            if data.get("v") != CURSOR_VERSION:
                return cls()
            files = {p: FileState.from_list(item) for p, item in data["files"].items()}
            tried = {h: list(v) for h, v in data.get("tried", {}).items()}
            bases = [list(e) for e in data.get("bases", [])]
            return cls(
                files=files,
                sent={h: float(t) for h, t in data["sent"].items()},
                tried=tried,
                bases=bases,
                inflight={h: list(v) for h, v in data.get("inflight", {}).items()},
                recovered={h: int(n) for h, n in data.get("recovered", {}).items()},
                checked=float(data.get("checked", 0.0)),
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            return cls()


@dataclass(frozen=True)
class PlannedRun:
    """One run to request: the files in load order and a run key built from their content."""

    run_key: str
    files: list[str]
    hashes: list[str]


@dataclass
class TickPlan:
    runs: list[PlannedRun]
    cursor: WatchCursor
    skipped_duplicates: list[str]
    waiting: list[str]
    reason: str


def plan_tick(
    *,
    import_slug: str,
    load_method: str,
    listing: Iterable[tuple[str, int, float]],
    cursor: WatchCursor,
    now: float,
    min_age_s: float,
    batch_window_s: float,
    loaded_hashes: Callable[[set[str]], set[str]],
    hash_file: Callable[[str], str] = sha256_file,
) -> TickPlan:
    """Fold one folder listing ``(name, size, mtime)`` into the cursor and decide the runs.

    ``loaded_hashes(candidates)`` returns the subset not to request: LOADED for this import
    (the sensor adds FAILED, which :mod:`retry_watch` handles); it is called only when
    some file was hashed in this tick.
    """
    files: dict[str, FileState] = {}
    to_hash: list[str] = []
    for path, size, mtime in listing:
        known = cursor.files.get(path)
        if known is not None and known.size == size and known.mtime == mtime:
            state = known
        else:
            state = FileState(size=size, mtime=mtime, seen_at=now)
        files[path] = state
        if state.state == NEW and now - state.seen_at >= min_age_s:
            to_hash.append(path)

    hashed: dict[str, str] = {}
    for path in to_hash:
        try:
            hashed[path] = hash_file(path)
        except OSError:  # vanished or locked between listing and reading: look again next tick
            files.pop(path, None)
    loaded = loaded_hashes(set(hashed.values())) if hashed else set()

    sent = {h: t for h, t in cursor.sent.items() if now - t < SENT_RETENTION_S}
    in_flight = {s.sha256 for s in files.values() if s.state == PENDING}
    skipped: list[str] = []
    for path in sorted(hashed, key=lambda p: (files[p].mtime, p)):
        state, digest = files[path], hashed[path]
        state.sha256 = digest
        if digest in loaded or digest in sent or digest in in_flight:
            state.state = DONE
            skipped.append(path)
        else:
            state.state, state.pending_since = PENDING, now
            in_flight.add(digest)

    pending = sorted((p for p, s in files.items() if s.state == PENDING), key=lambda p: (files[p].mtime, p))
    runs: list[PlannedRun] = []
    waiting: list[str] = []
    reason = ""
    if load_method == "append":
        for path in pending:
            digest = files[path].sha256 or ""
            runs.append(PlannedRun(run_key=f"{import_slug}:{digest}", files=[path], hashes=[digest]))
    elif pending:
        oldest = min(files[p].pending_since or now for p in pending)
        if now - oldest >= batch_window_s:
            hashes = [files[p].sha256 or "" for p in pending]
            batch = hashlib.sha256("\n".join(sorted(hashes)).encode()).hexdigest()
            runs.append(PlannedRun(run_key=f"{import_slug}:batch:{batch}", files=pending, hashes=hashes))
        else:
            waiting = pending
            reason = (
                f"Holding {len(pending)} file(s) for the batch window; "
                f"the run starts in {int(batch_window_s - (now - oldest)) + 1} s."
            )
    for run in runs:
        for path, digest in zip(run.files, run.hashes):
            files[path].state = DONE
            sent[digest] = now
    if not runs and not reason:
        unstable = sum(1 for s in files.values() if s.state == NEW)
        reason = f"No new stable files ({unstable} still settling)." if unstable else "No new files."
    return TickPlan(
        runs=runs,
        cursor=WatchCursor(
            files=files,
            sent=sent,
            tried=dict(cursor.tried),
            bases=list(cursor.bases),
            inflight={**cursor.inflight, **{h: [p, now, None] for r in runs for p, h in zip(r.files, r.hashes)}},
            recovered=dict(cursor.recovered),
            checked=cursor.checked,
        ),
        skipped_duplicates=skipped,
        waiting=waiting,
        reason=reason,
    )
