"""The Pipeline Monitor's "Column changes" tab: what each run did about a file's columns, as plain text."""

from __future__ import annotations

from pathlib import Path

from tests.hub.conftest import logged_in_app, make_account, shown
from tests.pipeline.schema_feed import TRICKY_HEADER, drifting_feed


def test_monitor_lists_column_changes_with_the_proposed_ddl(hub_env, settings):
    drifting_feed(hub_env, settings, Path(settings.data_dir) / "incoming" / "orders")
    at = logged_in_app(make_account(hub_env, "admin", "ada"), page="monitor")
    assert not at.exception
    labels = [e.label for e in at.expander]
    assert any(label.endswith("orders\\_daily: widening\\_proposed") for label in labels), labels
    assert any(label.endswith("orders\\_daily: ignored") for label in labels), labels
    texts = [m.value for m in at.markdown]
    ignored = f"orders_1.csv: new column(s) {TRICKY_HEADER} were not loaded (schema_policy ignore_new)."
    assert ignored in [shown(t) for t in texts]
    assert all("<b>" not in t and "**Bonus**" not in t for t in texts)  # escaped: no markup from data
    [code] = [c.value for c in at.code]
    assert "NUMERIC(13, 3)" in code and "amount" in code
