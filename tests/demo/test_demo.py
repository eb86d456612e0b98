"""The demo domain: idempotent install, the fixed names others rely on, and the planted story."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from elt_project.config.repository import load_pipeline_configs
from elt_project.db import schema
from elt_project.demo import domain, generate
from elt_project.demo.install import install_demo

TODAY = date(2026, 11, 27)


def _count(conn, table, *where) -> int:
    return conn.execute(sa.select(sa.func.count()).select_from(table).where(*where)).scalar()


def test_demo_installs_once_with_story_and_fresh_files(engine, settings):
    first = install_demo(engine, settings, today=TODAY)
    second = install_demo(engine, settings, today=TODAY)

    assert first.history_rows >= 200_000
    assert second.history_rows == 0 and second.configs_added == [] and second.files_written == []
    assert sorted(p.suffix for p in first.files_written) == [".csv", ".csv", ".json", ".psv", ".xlsx"]
    sales_csv = next(p for p in first.files_written if p.name.startswith("sales_") and p.suffix == ".csv")
    header, first_row = sales_csv.read_text().splitlines()[:2]
    values = dict(zip(header.split(","), first_row.split(",")))
    assert values["product_category"] == ""  # left for the enrichment rule to fill
    assert values["product_sku"].startswith("SKU-")

    configs, problems = load_pipeline_configs(engine)
    assert problems == []
    by_group = {}
    for config in configs:
        by_group.setdefault(config.pipeline_name, set()).add(config.load_method)
    assert by_group == {"Sales": {"append"}, "Inventory": {"replace"}}

    story = generate.story_for(TODAY)
    with engine.connect() as conn:
        assert _count(conn, domain.dim_products) == 200
        assert conn.execute(sa.select(sa.func.count(sa.distinct(domain.dim_products.c.category)))).scalar() == 8
        assert _count(conn, domain.dest_sales) == first.history_rows
        assert _count(conn, schema.analytics_config) == 2

        def segment_count(day):
            return _count(
                conn,
                domain.dest_sales,
                domain.dest_sales.c.order_date == day,
                domain.dest_sales.c.region == story.drop_region,
                domain.dest_sales.c.channel == story.drop_channel,
            )

        week_before = [segment_count(story.drop_date - timedelta(days=d)) for d in (7, 14, 21)]
        assert segment_count(story.drop_date) < 0.6 * min(week_before)

        daily = dict(
            conn.execute(
                sa.select(domain.dest_sales.c.order_date, sa.func.count()).group_by(domain.dest_sales.c.order_date)
            ).all()
        )
    typical = sorted(daily.values())[len(daily) // 2]
    spikes = {d for d, n in daily.items() if n > 2.2 * typical}
    assert {d if isinstance(d, date) else date.fromisoformat(str(d)) for d in spikes} == set(story.spike_dates)
