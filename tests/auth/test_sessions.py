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
