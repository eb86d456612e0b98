"""Slowing down password guessing without letting one client lock other people out.

Two counters, both over the last :data:`WINDOW_S`:

- per (client address, user name): after :data:`MAX_FAILURES` failures that pair is
  refused for :data:`LOCKOUT_S`. Someone guessing from one address locks only their
  own tries at that name — not the name for everyone, and not everyone behind the
  same address (an office NAT or a proxy);
- per user name, from all addresses together: past :data:`SLOWDOWN_AFTER` failures
  every further try at that name waits a few seconds after the last failure (growing
  by :data:`SLOWDOWN_STEP_S` per failure, at most :data:`SLOWDOWN_MAX_S`). A guesser
  spread over many addresses gets a handful of tries a minute; the owner of the
  account is delayed, never locked out.

The answer is the same whether or not the name exists. Which address a request came
from is the front end's business (behind a proxy, only a trusted one's
``X-Forwarded-For`` counts). State is kept in memory per process, pruned as it ages,
with an injected clock so tests need not sleep.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

MAX_FAILURES = 5
WINDOW_S = 15 * 60
LOCKOUT_S = 5 * 60
SLOWDOWN_AFTER = 10
SLOWDOWN_STEP_S = 2.0
SLOWDOWN_MAX_S = 30.0
#: Above this many tracked keys, every new failure first drops the stale ones.
_PRUNE_ABOVE = 1000


def _name(username: str) -> str:
    return (username or "").strip().lower()


def _pair(username: str, address) -> tuple[str, str]:
    """(address, name); an address that is unknown or not text (a front end without one) counts as ''."""
    return (address if isinstance(address, str) else "", _name(username))


class LoginThrottle:
    """Counts recent failures and tells how long a (name, address) must wait."""

    def __init__(
        self,
        *,
        max_failures: int = MAX_FAILURES,
        window_s: float = WINDOW_S,
        lockout_s: float = LOCKOUT_S,
        slowdown_after: int = SLOWDOWN_AFTER,
        slowdown_step_s: float = SLOWDOWN_STEP_S,
        slowdown_max_s: float = SLOWDOWN_MAX_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self.lockout_s = lockout_s
        self.slowdown_after = slowdown_after
        self.slowdown_step_s = slowdown_step_s
        self.slowdown_max_s = slowdown_max_s
        self._clock = clock
        self._pair_failures: dict[tuple[str, str], list[float]] = {}
        self._locked_until: dict[tuple[str, str], float] = {}
        self._name_failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def tracked_keys(self) -> int:
        """How many counters are held (for tests of the pruning)."""
        with self._lock:
            return len(self._pair_failures) + len(self._locked_until) + len(self._name_failures)

    def retry_after(self, username: str, address: str | None) -> int:
        """Seconds before this name may be tried again from this address (0: now)."""
        now = self._clock()
        pair = _pair(username, address)
        with self._lock:
            waits = [self._locked_until.get(pair, 0) - now]
            recent = [t for t in self._name_failures.get(pair[1], []) if now - t < self.window_s]
            excess = len(recent) - self.slowdown_after
            if excess >= 0:
                delay = min(self.slowdown_max_s, self.slowdown_step_s * (excess + 1))
                waits.append(recent[-1] + delay - now)
        wait = max(waits)
        return int(wait) + 1 if wait > 0 else 0

    def record_failure(self, username: str, address: str | None) -> None:
        """Count one failed try for the pair and for the name."""
        now = self._clock()
        pair = _pair(username, address)
        with self._lock:
            if len(self._pair_failures) + len(self._name_failures) > _PRUNE_ABOVE:
                self._prune(now)
            recent = [t for t in self._pair_failures.get(pair, []) if now - t < self.window_s]
            recent.append(now)
            self._pair_failures[pair] = recent
            if len(recent) >= self.max_failures:
                self._locked_until[pair] = now + self.lockout_s
                self._pair_failures[pair] = []
            named = [t for t in self._name_failures.get(pair[1], []) if now - t < self.window_s]
            named.append(now)
            self._name_failures[pair[1]] = named

    def record_success(self, username: str, address: str | None) -> None:
        """A good login clears the pair's count; the name's count ages out on its own."""
        pair = _pair(username, address)
        with self._lock:
            self._pair_failures.pop(pair, None)
            self._locked_until.pop(pair, None)

    def prune(self) -> None:
        """Drop counters with nothing left in the window and lockouts that ended."""
        with self._lock:
            self._prune(self._clock())

    def _prune(self, now: float) -> None:
        for store in (self._pair_failures, self._name_failures):
            for key in [k for k, times in store.items() if not times or now - times[-1] >= self.window_s]:
                del store[key]
        for key in [k for k, until in self._locked_until.items() if until <= now]:
            del self._locked_until[key]
