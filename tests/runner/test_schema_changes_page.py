"""The Data Importer page shows an import's column changes and the proposed DDL, as plain text."""

from __future__ import annotations

import html
from pathlib import Path

from elt_project.auth.accounts import create_user
from tests.pipeline.schema_feed import TRICKY_HEADER, drifting_feed
from tests.runner.conftest import login

PASSWORD = "correct-horse-9"


def test_the_import_row_shows_ignored_columns_and_the_proposed_alter_table(engine, settings, client):
    drifting_feed(engine, settings, Path(settings.data_dir) / "incoming" / "orders")
    create_user(engine, "boss", PASSWORD, "admin")
    login(client, "boss", PASSWORD)

    page = client.get("/").get_data(as_text=True)
    assert "Column change" in page
    assert f"new column(s) {html.escape(TRICKY_HEADER)} were not loaded (schema_policy ignore_new)" in page
    assert "<b>x</b>" not in page  # the header is text, never markup
    widening = "amount need a wider type; the run failed."
    assert widening in page
    ddl = (
        "ALTER COLUMN &#34;amount&#34; TYPE NUMERIC(13, 3)" if engine.dialect.name == "postgresql" else "NUMERIC(13, 3)"
    )
    assert ddl in page and '<pre class="proposed-ddl">' in page

    imports = client.get("/api/imports").get_json()
    [orders] = [i for g in imports["groups"] for i in g["imports"] if i["import_name"] == "orders_daily"]
    proposal, ignored = orders["schema_changes"]
    assert proposal["action"] == "widening_proposed" and "NUMERIC(13, 3)" in proposal["proposed_ddl"]
    assert ignored["action"] == "ignored" and TRICKY_HEADER in ignored["sentence"]
