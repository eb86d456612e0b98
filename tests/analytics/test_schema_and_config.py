"""Schema context (types, inferred keys, profiled values, refresh) and the hub's admin choices."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from elt_project.analytics import hub_config, schema_context
from elt_project.errors import ConfigurationError


def test_context_infers_keys_and_profiles_low_cardinality_text(sales_engine):
    allowed = hub_config.allowed_tables(sales_engine)
    assert allowed == {"dest_sales", "dim_products", "dim_customers"}  # no metadata, no staging, no elt_users
    context = schema_context.build_context(sales_engine, allowed)
    keys = {(fk.table, fk.column, fk.ref_table, fk.ref_column) for fk in context.foreign_keys}
    assert keys == {
        ("dest_sales", "product_sku", "dim_products", "sku"),
        ("dest_sales", "customer_id", "dim_customers", "customer_id"),
    }
    sales = context.tables["dest_sales"]
    assert sales.column("region").values == ("North", "South", "West")
    assert sales.column("amount").kind == "number" and sales.column("order_date").kind == "date"
    assert "dest_sales.region values: 'North', 'South', 'West'" in context.describe()


def test_context_is_rebuilt_when_the_schema_changes(sales_engine, monkeypatch):
    allowed = hub_config.allowed_tables(sales_engine)
    first = schema_context.get_context(sales_engine, allowed, force=True)
    assert schema_context.get_context(sales_engine, allowed) is first
    with sales_engine.begin() as conn:
        conn.execute(sa.text("ALTER TABLE dim_products ADD COLUMN brand VARCHAR(20)"))
    monkeypatch.setattr(schema_context, "FINGERPRINT_TTL_S", 0.0)
    second = schema_context.get_context(sales_engine, allowed)
    assert second is not first and second.tables["dim_products"].column("brand") is not None


def test_admin_table_list_never_admits_credentials(sales_engine):
    with pytest.raises(ConfigurationError, match="never query"):
        hub_config.set_allowed_tables(sales_engine, ["dest_sales", "elt_users"])
    with pytest.raises(ConfigurationError, match="no table named"):
        hub_config.set_allowed_tables(sales_engine, ["nope"])
    assert hub_config.set_allowed_tables(sales_engine, ["dest_sales"], by="ada") == ["dest_sales"]
    assert hub_config.allowed_tables(sales_engine) == {"dest_sales"}
    assert hub_config.is_protected("elt_user_permissions") and hub_config.is_protected("api_tokens")


def test_examples_and_options_round_trip(sales_engine):
    example_id = hub_config.save_example(sales_engine, "revenue by region", "SELECT region FROM dest_sales", by="ann")
    assert [(e.id, e.question) for e in hub_config.list_examples(sales_engine)] == [(example_id, "revenue by region")]
    assert hub_config.llm_may_see_rows(sales_engine) is False
    hub_config.set_option(sales_engine, hub_config.LLM_SEES_ROWS, "1", by="ada")
    hub_config.set_option(sales_engine, hub_config.LLM_SEES_ROWS, "1", by="ada")
    assert hub_config.llm_may_see_rows(sales_engine) is True


def test_home_kpis_of_the_sales_table(sales_engine, sales_rows):
    from elt_project.analytics import health

    kpis = {k.label: k.value for k in health.sales_kpis(sales_engine)}
    assert kpis["Orders"] == "240"
    assert kpis["Revenue"] == f"{float(sum(r['amount'] for r in sales_rows)):,.0f}"
    assert kpis["Customers"] == str(len({r["customer_id"] for r in sales_rows}))
    assert kpis["Latest order"] == max(r["order_date"] for r in sales_rows).isoformat()


def test_an_unmigrated_warehouse_gets_one_clear_sentence(bare_engine):
    with pytest.raises(ConfigurationError, match="elt db upgrade"):
        hub_config.allowed_tables(bare_engine)
