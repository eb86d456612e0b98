"""The session registry on its own: expiry, pruning, the password stamp, ending other sessions."""

from __future__ import annotations

from elt_project.auth import accounts
from elt_project.auth.sessions import SessionRegistry, password_stamp


def test_a_session_lives_while_used_and_ends_when_idle_too_long():
    now = [0.0]
    registry = SessionRegistry(lifetime_s=100, clock=lambda: now[0])
    sid = registry.start("ann", "s1")
    now[0] = 90
    assert registry.check(sid, "ann", "s1")  # use pushes the expiry forward
    now[0] = 180
    assert registry.check(sid, "ann", "s1")
    assert not registry.check(sid, "bob", "s1")  # another name ends it
    assert not registry.check(sid, "ann", "s1")
    other = registry.start("ann", "s1")
    now[0] = 281
    assert not registry.check(other, "ann", "s1")


def test_expired_sessions_are_pruned_when_new_ones_start():
    now = [0.0]
    registry = SessionRegistry(lifetime_s=100, clock=lambda: now[0])
    for i in range(50):
        registry.start(f"user{i}", "s")
    assert len(registry) == 50
    now[0] = 101
    registry.start("late", "s")
    assert len(registry) == 1
    now[0] = 250
    assert registry.prune() == 1 and len(registry) == 0


def test_a_changed_password_ends_the_sessions_started_with_the_old_one(engine):
    accounts.create_user(engine, "ann", "first-password")
    registry = SessionRegistry(lifetime_s=3600)
    old = password_stamp(engine, "ann")
    assert old and "scrypt" not in old and len(old) == 32
    here, there = registry.start("ann", old), registry.start("ann", old)
    accounts.set_password(engine, "ann", "second-password")
    new = password_stamp(engine, "ann")
    assert new != old
    registry.restamp(here, new)  # the session that made the change carries on
    assert registry.check(here, "ann", new)
    assert not registry.check(there, "ann", new)
    assert password_stamp(engine, "nobody") is None


def test_end_others_keeps_only_the_named_session():
    registry = SessionRegistry(lifetime_s=3600)
    keep = registry.start("ann", "s")
    others = [registry.start("ann", "s") for _ in range(3)]
    bob = registry.start("bob", "s")
    assert registry.end_others("ann", keep_sid=keep) == 3
    assert registry.check(keep, "ann", "s") and registry.check(bob, "bob", "s")
    assert not any(registry.check(sid, "ann", "s") for sid in others)


def test_a_session_ends_exactly_at_its_expiry_and_is_pruned_then():
    now = [0.0]
    registry = SessionRegistry(lifetime_s=100, clock=lambda: now[0])
    sid = registry.start("ann", "s")
    assert registry.owner(sid) == "ann"
    now[0] = 100
    assert not registry.check(sid, "ann", "s")
    assert registry.owner(sid) is None  # the failed check ended it
    registry.start("bob", "s")
    now[0] = 200
    assert registry.prune() == 1 and len(registry) == 0


def test_missing_ids_names_and_stamps_are_refused_without_harm():
    registry = SessionRegistry(lifetime_s=100)
    sid = registry.start("ann", "s")
    assert registry.owner(None) is None and registry.owner("no-such-id") is None
    assert not registry.check(None, "ann", "s") and not registry.check("", "ann", "s")
    assert not registry.check(sid, None, "s") and not registry.check(sid, "", "s")
    assert not registry.check("no-such-id", "ann", "s")
    registry.restamp("no-such-id", "t")
    registry.end(None)
    assert registry.check(sid, "ann", "s")  # none of that touched the live session
    assert not registry.check(sid, "ann", "other-stamp")  # a stamp that differs ends it
    assert registry.owner(sid) is None


def test_logging_out_ends_only_that_session():
    registry = SessionRegistry(lifetime_s=100)
    first, second = registry.start("ann", "s"), registry.start("ann", "s")
    assert first != second
    registry.end(first)
    assert registry.owner(first) is None and registry.check(second, "ann", "s")
    assert registry.end_others("ann", keep_sid=None) == 1 and len(registry) == 0
