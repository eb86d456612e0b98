"""The server's side of a login: which session ids are live, for whom, and until when.

A signed cookie alone cannot be taken back, so the page keeps a registry of the
sessions it started; a cookie whose id is not here is worthless. Each entry holds:

- the user name, checked against the cookie's;
- a *password stamp* (a digest of the stored password hash, never the hash itself):
  when the password changes — ``elt user passwd`` in another process, or the
  person's own change on the page — the stamp no longer matches and every session
  started with the old password ends at its next request (the one that made the
  change is re-stamped and carries on);
- an expiry, pushed forward on use, after which the entry is dropped. Expired
  entries are pruned as new sessions start, so the registry does not grow with
  every login ever made.

State lives in the process (restarting the page logs everybody out); the clock is
injected so tests need not wait.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from elt_project.db import schema


def password_stamp(engine: Engine, username: str) -> str | None:
    """A short digest of ``username``'s stored password hash (None: no such account).

    It changes whenever the password does, and reveals nothing usable about it.
    """
    users = schema.elt_users
    with engine.connect() as conn:
        stored = conn.execute(sa.select(users.c.password_hash).where(users.c.username == username)).scalar()
    if stored is None:
        return None
    return hashlib.sha256(stored.encode("utf-8")).hexdigest()[:32]


@dataclass
class _Entry:
    username: str
    stamp: str | None
    expires_at: float


class SessionRegistry:
    """Live session ids of one process; thread-safe (waitress serves with several threads)."""

    def __init__(self, *, lifetime_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.lifetime_s = lifetime_s
        self.clock = clock
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def start(self, username: str, stamp: str | None) -> str:
        """A new session id for ``username``; expired entries are pruned first."""
        sid = secrets.token_urlsafe(32)
        now = self.clock()
        with self._lock:
            self._prune(now)
            self._entries[sid] = _Entry(username, stamp, now + self.lifetime_s)
        return sid

    def owner(self, sid: str | None) -> str | None:
        """The user name ``sid`` was started for, or None (a cheap first look, before any warehouse read)."""
        entry = self._entries.get(sid or "")
        return entry.username if entry else None

    def check(self, sid: str | None, username: str | None, stamp: str | None) -> bool:
        """True when ``sid`` is live for ``username`` under the current password; refreshes its expiry.

        A session that fails the check (expired, other user, password changed) is ended.
        """
        if not sid or not username:
            return False
        now = self.clock()
        with self._lock:
            entry = self._entries.get(sid)
            if entry is None:
                return False
            if entry.username != username or entry.expires_at <= now or entry.stamp != stamp:
                del self._entries[sid]
                return False
            entry.expires_at = now + self.lifetime_s
            return True

    def restamp(self, sid: str, stamp: str | None) -> None:
        """After the person changed their password in this session: it stays valid, the others do not."""
        with self._lock:
            entry = self._entries.get(sid)
            if entry is not None:
                entry.stamp = stamp

    def end(self, sid: str | None) -> None:
        with self._lock:
            self._entries.pop(sid or "", None)

    def end_others(self, username: str, keep_sid: str | None) -> int:
        """End every session of ``username`` except ``keep_sid``; returns how many ended."""
        with self._lock:
            doomed = [sid for sid, e in self._entries.items() if e.username == username and sid != keep_sid]
            for sid in doomed:
                del self._entries[sid]
        return len(doomed)

    def prune(self) -> int:
        """Drop expired entries now; returns how many went."""
        with self._lock:
            return self._prune(self.clock())

    def _prune(self, now: float) -> int:
        expired = [sid for sid, entry in self._entries.items() if entry.expires_at <= now]
        for sid in expired:
            del self._entries[sid]
        return len(expired)
