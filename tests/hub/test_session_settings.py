"""The hub rebuilds its cached settings when any setting could differ, not only the warehouse's."""

from __future__ import annotations

from elt_project.hub import session


def test_any_changed_setting_reaches_the_hub_without_a_restart(tmp_path, monkeypatch):
    monkeypatch.setenv("ELT_HOME", str(tmp_path))
    monkeypatch.setenv("HUB_MAX_VALUE_BYTES", "4096")
    assert session.hub_settings().hub_max_value_bytes == 4096
    monkeypatch.setenv("HUB_MAX_VALUE_BYTES", "8192")  # a setting the old six-variable key did not mirror
    assert session.hub_settings().hub_max_value_bytes == 8192
    (tmp_path / ".env").write_text("FORECAST_HORIZON_DAYS=45\n")  # and one changed in the home's .env
    assert session.hub_settings().forecast_horizon_days == 45


def test_the_same_sources_give_the_same_cached_object(tmp_path, monkeypatch):
    monkeypatch.setenv("ELT_HOME", str(tmp_path))
    assert session.hub_settings() is session.hub_settings()
