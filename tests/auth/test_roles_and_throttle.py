"""The role ladder and the login throttle in detail: exact waits, windows, resets and pruning (no warehouse).

The headline behaviours (one address cannot lock everyone, a spread-out guesser is slowed
but the owner never locked out) are in tests/auth/test_auth.py; these pin the numbers the
module documents, with small limits and an injected clock so nothing sleeps.
"""

from __future__ import annotations

import pytest

from elt_project.auth import throttle as throttle_module
from elt_project.auth.roles import has_role, parse_role, rank
from elt_project.auth.throttle import LoginThrottle
from elt_project.errors import ConfigurationError


class Clock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _throttle(clock: Clock, **limits) -> LoginThrottle:
    settings = {"max_failures": 3, "window_s": 100.0, "lockout_s": 50.0, "slowdown_after": 4}
    settings.update({"slowdown_step_s": 2.0, "slowdown_max_s": 7.0}, **limits)
    return LoginThrottle(clock=clock, **settings)


def test_an_unknown_or_missing_role_is_refused_with_the_choices():
    for value in ("root", None, ""):
        with pytest.raises(ConfigurationError) as refused:
            parse_role(value)
        assert str(refused.value) == f"Unknown role '{value}'; choose one of user, analyst, steward, admin."


def test_the_ladder_ranks_each_role_above_the_one_below():
    assert [rank(role) for role in ("user", "analyst", "steward", "admin")] == [0, 1, 2, 3]
    assert rank("root") < rank("user")
    assert has_role("Admin".lower(), "ADMIN ") and not has_role("root", "user")


def test_the_pair_is_locked_on_the_last_allowed_failure_for_the_lockout_rounded_up():
    clock = Clock()
    throttle = _throttle(clock)
    for _ in range(2):
        throttle.record_failure("ann", "10.0.0.1")
    assert throttle.retry_after("ann", "10.0.0.1") == 0
    throttle.record_failure("ann", "10.0.0.1")
    assert throttle.retry_after("ann", "10.0.0.1") == 51  # 50 s, reported as a whole second more
    clock.now += 49.5
    assert throttle.retry_after("ann", "10.0.0.1") == 1
    clock.now += 0.5
    assert throttle.retry_after("ann", "10.0.0.1") == 0


def test_after_a_lockout_the_count_starts_again():
    clock = Clock()
    throttle = _throttle(clock, slowdown_after=100)
    for _ in range(3):
        throttle.record_failure("ann", "10.0.0.1")
    clock.now += 51
    for _ in range(2):
        throttle.record_failure("ann", "10.0.0.1")
    assert throttle.retry_after("ann", "10.0.0.1") == 0
    throttle.record_failure("ann", "10.0.0.1")
    assert throttle.retry_after("ann", "10.0.0.1") == 51


def test_a_good_login_clears_the_pair_but_not_the_name_count():
    clock = Clock()
    throttle = _throttle(clock)
    for _ in range(3):
        throttle.record_failure("ann", "10.0.0.1")
    throttle.record_success("ANN", "10.0.0.1")
    assert throttle.retry_after("ann", "10.0.0.1") == 0
    for _ in range(2):
        throttle.record_failure("ann", "10.0.0.1")
    # two failures since the success: no lockout, but five at the name in all, past the slowdown
    # mark of four, so every address waits (5 - 4 + 1) x 2 s, reported one second up
    assert throttle.retry_after("ann", "10.0.0.1") == throttle.retry_after("ann", "10.0.0.9") == 5


def test_the_name_slowdown_grows_per_failure_up_to_its_cap():
    clock = Clock()
    throttle = _throttle(clock, max_failures=100)
    waits = []
    for i in range(7):
        throttle.record_failure(" Ann", f"10.1.0.{i}")
        waits.append(throttle.retry_after("ann", "10.0.0.2"))
    # 4th failure: 2 s; 5th: 4 s; 6th: 6 s; then the 7 s cap; each reported one second up
    assert waits == [0, 0, 0, 3, 5, 7, 8]
    clock.now += 6.5
    assert throttle.retry_after("ann", "10.0.0.2") == 1
    clock.now += 0.5
    assert throttle.retry_after("ann", "10.0.0.2") == 0


def test_failures_count_only_inside_the_window():
    clock = Clock()
    throttle = _throttle(clock, max_failures=100)
    for _ in range(3):
        throttle.record_failure("ann", "10.0.0.1")
    clock.now += 100.0  # exactly one window later: those three no longer count
    throttle.record_failure("ann", "10.0.0.1")
    assert throttle.retry_after("ann", "10.0.0.1") == 0
    clock.now += 99.5  # the last one is still inside the window
    for _ in range(3):
        throttle.record_failure("ann", "10.0.0.2")
    assert throttle.retry_after("ann", "10.0.0.3") == 3


def test_pair_failures_outside_the_window_do_not_add_up_to_a_lockout():
    clock = Clock()
    throttle = _throttle(clock, slowdown_after=100)
    for _ in range(2):
        throttle.record_failure("ann", "10.0.0.1")
    clock.now += 100.0
    throttle.record_failure("ann", "10.0.0.1")
    assert throttle.retry_after("ann", "10.0.0.1") == 0


def test_a_missing_or_odd_address_counts_as_one_unknown_address():
    clock = Clock()
    throttle = _throttle(clock, slowdown_after=100)
    throttle.record_failure("ann", None)
    throttle.record_failure("ann", 12345)
    throttle.record_failure(None, "10.0.0.1")
    assert throttle.retry_after("ann", "") == 0
    throttle.record_failure("ann", "")
    assert throttle.retry_after("ann", None) == 51
    assert throttle.retry_after("", "10.0.0.1") == 0


def test_prune_drops_only_what_has_aged_out():
    clock = Clock()
    throttle = _throttle(clock, slowdown_after=100)
    for _ in range(3):
        throttle.record_failure("ann", "10.0.0.1")  # a lockout, and ann's name count
    throttle.record_failure("bob", "10.0.0.2")
    assert throttle.tracked_keys() == 5  # both pairs (ann's emptied by the lockout), ann's lockout, both names
    throttle.prune()
    assert throttle.tracked_keys() == 4  # ann's emptied pair list is dropped at once
    clock.now += 50.0  # the lockout ends exactly now
    throttle.prune()
    assert throttle.tracked_keys() == 3
    clock.now += 49.5
    throttle.prune()
    assert throttle.tracked_keys() == 3
    clock.now += 0.5  # a window after the last failures
    throttle.prune()
    assert throttle.tracked_keys() == 0


def test_failures_past_the_size_mark_prune_first(monkeypatch):
    monkeypatch.setattr(throttle_module, "_PRUNE_ABOVE", 4)
    clock = Clock()
    throttle = _throttle(clock, slowdown_after=100)
    for i in range(2):
        throttle.record_failure(f"old{i}", "10.0.0.1")
    clock.now += 200
    throttle.record_failure("new0", "10.0.0.1")
    assert throttle.tracked_keys() == 6  # four counters held when it came: not above the mark, nothing pruned
    throttle.record_failure("new1", "10.0.0.1")
    assert throttle.tracked_keys() == 4  # six held: the old names and pairs dropped first


def test_a_fresh_throttle_lets_everyone_try_even_when_the_clock_starts_at_zero():
    throttle = _throttle(Clock(0.0))
    assert throttle.retry_after("ann", "10.0.0.1") == 0
    throttle.record_success("ann", "10.0.0.1")  # a first login that succeeds has nothing to clear
    assert throttle.tracked_keys() == 0


def test_a_good_login_clears_failures_short_of_a_lockout():
    clock = Clock()
    throttle = _throttle(clock, slowdown_after=100)
    for _ in range(2):
        throttle.record_failure("ann", "10.0.0.1")
    throttle.record_success("ann", "10.0.0.1")
    for _ in range(2):
        throttle.record_failure("ann", "10.0.0.1")
    assert throttle.retry_after("ann", "10.0.0.1") == 0  # two and two, never three in a row


def test_the_slowdown_runs_from_the_latest_failure():
    clock = Clock()
    throttle = _throttle(clock, max_failures=100)
    for _ in range(4):
        throttle.record_failure("ann", "10.0.0.1")
        clock.now += 1.0
    # failures at 1000, 1001, 1002 and 1003; the fourth asks for 2 s from 1003
    clock.now = 1003.0
    assert throttle.retry_after("ann", "10.0.0.2") == 3
    clock.now = 1004.5
    assert throttle.retry_after("ann", "10.0.0.2") == 1
