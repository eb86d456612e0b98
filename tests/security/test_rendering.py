"""Names and values from files render as text on every hub page: no link, no image, no remote fetch.

A feed whose import name, pipeline name, column header, cell values, file path, error
text and "what to do" carry Markdown links and images is loaded into the warehouse;
an admin (who reaches every page) opens each page and drives the ones that need
input. Every string Streamlit renders as Markdown (bodies, labels, help texts, tab and
expander titles) is rendered with markdown-it (GFM-like, bare URLs linkified, as the
browser's renderer does) and must produce no ``<a>`` and no ``<img>``.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from markdown_it import MarkdownIt

from elt_project.analytics.steward import allowlist
from elt_project.db import schema
from elt_project.hub import registry
from tests.config_rows import insert_config
from tests.hub.conftest import hub_env, logged_in_app, make_account, open_page, shown  # noqa: F401  (fixture)

IMAGE = "![x](http://evil.test/px)"
LINK = "[click](http://evil.test/phish)"
HOSTILE = f"{IMAGE} {LINK}"
COLUMN = "[total](http://evil.test/col)"
REGIONS = (f"North {IMAGE}", f"South {LINK}", "http://evil.test/bare")
_MARKDOWN_FIELDS = {"body", "label", "help", "caption"}
_RENDER = MarkdownIt("gfm-like")
#: Elements whose body Streamlit shows verbatim (st.text, st.code).
_PLAIN_ELEMENTS = {"text", "code"}


def _hostile_feed(engine) -> None:
    table = sa.Table(
        "hostile_feed",
        sa.MetaData(),
        sa.Column("row_id", sa.Integer, primary_key=True),
        sa.Column("day", sa.Date),
        sa.Column("region", sa.String(100)),
        sa.Column(COLUMN, sa.Float),
    )
    table.create(engine)
    start = dt.date(2026, 5, 1)
    rows = [
        {
            "row_id": n,
            "day": start + dt.timedelta(days=n % 40),
            "region": REGIONS[n % 3],
            COLUMN: float(n % 7 + n // 40),
        }
        for n in range(120)
    ]
    now = dt.datetime.now().replace(microsecond=0)
    with engine.begin() as conn:
        conn.execute(table.insert(), rows)
        insert_config(conn, pipeline_name=IMAGE, import_name=HOSTILE, destination_table="hostile_feed",
                      scraper_config=f"not json {LINK}")  # fmt: skip
        conn.execute(
            schema.etl_pipeline_run_logs.insert().values(
                run_id="run-h1", pipeline_name=IMAGE, import_name=HOSTILE, status="FAILED", start_time=now,
                file_name=f"/inbox/{LINK}.csv", error_message=f"Column {HOSTILE} is not in the mapping",
                resolution_steps=f"Rename {LINK} and retry",
            )
        )  # fmt: skip
        conn.execute(
            schema.etl_pipeline_run_logs.insert().values(
                run_id="run-h2", pipeline_name=IMAGE, import_name=HOSTILE, status="QUALITY_FAILED", start_time=now,
                file_name=f"/inbox/{LINK}.csv", error_message=f"Rule {LINK} failed", resolution_steps=None,
            )
        )  # fmt: skip
        conn.execute(
            schema.data_quality_run_logs.insert().values(
                run_id="run-h1", import_name=HOSTILE, rule_name=LINK, status="FAIL", message=HOSTILE, checked_at=now
            )
        )
        conn.execute(
            schema.elt_file_ledger.insert().values(
                import_name=HOSTILE, content_hash="a" * 64, file_path=f"/inbox/{HOSTILE}.csv", file_size=1,
                file_mtime=0.0, status="FAILED", error_message=HOSTILE, first_seen_at=now,
            )
        )  # fmt: skip
        conn.execute(
            schema.analytics_config.insert().values(
                target_table="hostile_feed", date_column="day", value_column=COLUMN, model_type="forecast"
            )
        )
    allowlist.allow(engine, "hostile_feed")


def markdown_strings(at) -> list[str]:
    """Every string of the last run that Streamlit renders as Markdown (bodies, labels, help texts)."""
    found: list[str] = []

    def walk(message) -> None:
        for field, value in message.ListFields():
            if field.type == field.TYPE_MESSAGE:
                for item in value if field.label == field.LABEL_REPEATED else [value]:
                    walk(item)
            elif field.name in _MARKDOWN_FIELDS and isinstance(value, str):
                found.append(value)

    for node in at._tree:
        proto = getattr(node, "proto", None)
        if proto is not None and hasattr(proto, "ListFields") and getattr(node, "type", "") not in _PLAIN_ELEMENTS:
            walk(proto)
    return found


def links_and_images(texts: list[str]) -> list[str]:
    """The texts that render to a link or an image."""
    return [text for text in texts if "<a " in (html := _RENDER.render(text)) or "<img" in html]


def _drive(at, page: str) -> None:
    if page == "ask":  # one value: its column name becomes the metric's label
        at.text_area(key="ask_sql").input(f'SELECT SUM("{COLUMN}") AS "{COLUMN}" FROM hostile_feed')
        at.button(key="ask_run_sql").click()
        at.run()
    elif page in ("why", "auto_dashboard", "clustering"):
        key = {"why": "why_table", "auto_dashboard": "dashboard_table", "clustering": "clu_table"}[page]
        at.selectbox(key=key).set_value("hostile_feed")
        at.run()
        if page == "clustering":
            at.button(key="clu_run").click()
            at.run()
    elif page == "search":
        at.text_input(key="search_query").input("click total evil")
        at.run()
    elif page == "steward":
        at.selectbox(key="steward_table").set_value("hostile_feed")
        at.run()


@pytest.mark.slow
def test_every_page_renders_hostile_names_as_text(hub_env, monkeypatch):  # noqa: F811  (the imported fixture)
    monkeypatch.setenv("ELT_SEARCH_ENGINE", "tfidf")
    _hostile_feed(hub_env)
    admin = make_account(hub_env, "admin", "ada")
    checked, offending, seen = 0, {}, set()
    for page in registry.pages_for("admin"):
        at = logged_in_app(admin)
        open_page(at, page.url_path)
        _drive(at, page.url_path)
        assert not at.exception, (page.url_path, at.exception)
        texts = markdown_strings(at)
        checked += len(texts)
        if bad := links_and_images(texts):
            offending[page.url_path] = bad
        if any(LINK in shown(text) or COLUMN in shown(text) for text in texts):
            seen.add(page.url_path)
    bad = sum(map(len, offending.values()))
    print(f"\nrendering: {len(registry.pages_for('admin'))} pages, {checked} Markdown strings, {bad} rendering a link "
          f"or image; hostile text shown on {sorted(seen)}")  # fmt: skip
    assert offending == {}
    assert {
        "home",
        "monitor",
        "ask",
        "insights",
        "config",
        "why",
        "clustering",
    } <= seen  # the hostile text did reach the pages


def test_the_checker_sees_a_link_and_an_image():
    assert links_and_images([HOSTILE, "plain", "see http://evil.test/bare"]) == [HOSTILE, "see http://evil.test/bare"]


def test_chart_labels_from_data_show_as_text_not_plotly_links():
    import pandas as pd

    from elt_project.analytics.charts import chart_figure
    from elt_project.analytics.dashboard import ChartSpec

    link = '<a href="http://evil.test/phish">click</a>'
    data = pd.DataFrame({f"region {link}": [f"North {link}", "South"], "amount": [1.0, 2.0]})
    figure = chart_figure(ChartSpec("bar", "t", "r", data, x=f"region {link}", y="amount"))
    labels = [*figure.data[0].x, figure.layout.xaxis.title.text]
    assert not [label for label in labels if "<" in label], labels
    assert labels[0] == 'North &lt;a href="http://evil.test/phish"&gt;click&lt;/a&gt;'  # Plotly shows it as typed
