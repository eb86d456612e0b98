"""Slowing down password guessing, per user name and per client address.

After :data:`MAX_FAILURES` failed logins within :data:`WINDOW_S` for the same name
or the same address, further tries for that key are refused for :data:`LOCKOUT_S`.
The answer is the same whether or not the name exists. State is kept in memory
per process (the page and the hub each keep their own), with an injected clock so
tests need not sleep.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

MAX_FAILURES = 5
WINDOW_S = 15 * 60
LOCKOUT_S = 5 * 60


class LoginThrottle:
    """Counts recent failures per key and tells how long a key must wait."""

    def __init__(
        self,
        *,
        max_failures: int = MAX_FAILURES,
        window_s: float = WINDOW_S,
        lockout_s: float = LOCKOUT_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self.lockout_s = lockout_s
        self._clock = clock
        self._failures: dict[str, list[float]] = {}
        self._locked_until: dict[str, float] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _keys(username: str, address: str | None) -> list[str]:
        keys = [f"name:{(username or '').strip().lower()}"]
        if address:
            keys.append(f"addr:{address}")
        return keys

    def retry_after(self, username: str, address: str | None) -> int:
        """Seconds to wait before this name or address may try again (0: may try now)."""
        now = self._clock()
        with self._lock:
            waits = [self._locked_until.get(key, 0) - now for key in self._keys(username, address)]
        wait = max(waits)
        return int(wait) + 1 if wait > 0 else 0

    def record_failure(self, username: str, address: str | None) -> None:
        """Count one failed try; the key locks once it reaches the limit within the window."""
        now = self._clock()
        with self._lock:
            for key in self._keys(username, address):
                recent = [t for t in self._failures.get(key, []) if now - t < self.window_s]
                recent.append(now)
                self._failures[key] = recent
                if len(recent) >= self.max_failures:
                    self._locked_until[key] = now + self.lockout_s
                    self._failures[key] = []

    def record_success(self, username: str, address: str | None) -> None:
        """A good login clears the name's count (the address keeps its history)."""
        key = self._keys(username, None)[0]
        with self._lock:
            self._failures.pop(key, None)
            self._locked_until.pop(key, None)
