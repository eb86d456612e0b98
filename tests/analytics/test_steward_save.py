"""The Data Steward's save on real SQLite and PostgreSQL: upsert, audit, optimistic check, refusals."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa
import sqlglot
from sqlalchemy.dialects import mssql

from elt_project.analytics.steward import allowlist, audit
from elt_project.analytics.steward.allowlist import NotEditable
from elt_project.analytics.steward.changes import RowChange, ValueProblem, changes_from_edit
from elt_project.analytics.steward.save import PermissionRefused, SaveRefused, apply_changes
from elt_project.auth import accounts
from elt_project.db import schema, upsert
from tests.analytics.conftest import ROWS, products, table_rows


def _statements(engine) -> list[str]:
    seen: list[str] = []
    sa.event.listen(engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
    return seen


def _audit(engine) -> list[dict]:
    with engine.connect() as conn:
        log = schema.steward_audit_log
        return [dict(r) for r in conn.execute(sa.select(log).order_by(log.c.id)).mappings()]


def test_update_insert_delete_in_one_upsert_with_audit_rows(shop):
    statements = _statements(shop)
    changes = [
        RowChange(key={"sku": "K-1"}, values={"price": "31.50"}),
        RowChange(key={"sku": "N-1"}, values={"name": "Notebook", "stock": "5"}),
        RowChange(key={"sku": "M-1"}, delete=True),
    ]
    result = apply_changes(shop, "shop_products", changes, username="sam")
    assert (result.updated, result.inserted, result.deleted) == (1, 1, 1)
    rows = {r["sku"]: r for r in table_rows(shop)}
    assert set(rows) == {"K-1", "L-1", "N-1"}
    assert rows["K-1"]["price"] == Decimal("31.50") and rows["K-1"]["name"] == "Steel Kettle"
    assert rows["N-1"]["stock"] == 5 and rows["N-1"]["price"] is None
    assert rows["L-1"] == ROWS[1]
    upserts = [s for s in statements if "ON CONFLICT" in s.upper()]
    assert len(upserts) == 1 and "DO UPDATE" in upserts[0].upper()
    deletes = [s for s in statements if s.lstrip().upper().startswith("DELETE") and "shop_products" in s]
    assert len(deletes) == 1 and "EXISTS" in deletes[0].upper()  # only the marked rows, never the table

    log = _audit(shop)
    assert {r["change_id"] for r in log} == {result.change_id} and len(log) == result.audit_rows
    price = next(r for r in log if r["column_name"] == "price" and r["row_key"] == "K-1")
    assert (price["action"], price["old_value"], price["new_value"], price["changed_by"]) == (
        "UPDATE",
        "29.90",
        "31.50",
        "sam",
    )
    assert {r["action"] for r in log if r["row_key"] == "M-1"} == {"DELETE"}
    assert {(r["column_name"], r["new_value"]) for r in log if r["row_key"] == "N-1"} >= {("name", "Notebook")}
    history = audit.row_history(shop, "shop_products", "K-1")
    assert [(h.column_name, h.old_value, h.new_value) for h in history] == [("price", "29.90", "31.50")]


def test_two_stewards_editing_one_row_the_second_is_refused_side_by_side(shop):
    opened_by_sam = table_rows(shop)
    opened_by_sue = table_rows(shop)
    sam_edit = [dict(r) for r in opened_by_sam]
    sam_edit[0]["stock"] = 11
    apply_changes(shop, "shop_products", changes_from_edit(products, opened_by_sam, sam_edit, []), username="sam")

    sue_edit = [dict(r) for r in opened_by_sue]
    sue_edit[0]["name"] = "Kettle, steel"
    sue_edit[1]["stock"] = 41
    changes = changes_from_edit(products, opened_by_sue, sue_edit, [])
    with pytest.raises(SaveRefused, match="changed by someone else since you opened it") as refused:
        apply_changes(shop, "shop_products", changes, username="sue")
    conflict = refused.value.conflicts[0]
    assert conflict.key == "K-1"
    stock = next(c for c in conflict.cells if c.column == "stock")
    assert (stock.you_saw, stock.in_database) == ("12", "11")
    name = next(c for c in conflict.cells if c.column == "name")
    assert (name.in_database, name.yours) == ("Steel Kettle", "Kettle, steel")
    rows = {r["sku"]: r for r in table_rows(shop)}
    assert rows["K-1"]["stock"] == 11 and rows["K-1"]["name"] == "Steel Kettle"
    assert rows["L-1"]["stock"] == 40  # all or nothing: the other row of the refused save is unchanged

    # The hub saves the rows that did not conflict and hands back the refused one.
    result = apply_changes(shop, "shop_products", changes, username="sue", refuse_all_on_conflict=False)
    assert result.updated == 1 and [c.key for c in result.refused] == ["K-1"]
    assert {r["sku"]: r["stock"] for r in table_rows(shop)}["L-1"] == 41


def test_a_row_deleted_or_added_meanwhile_is_refused(shop):
    opened = table_rows(shop)
    apply_changes(shop, "shop_products", [RowChange(key={"sku": "L-1"}, delete=True)], username="sam")
    edited = [dict(r) for r in opened]
    edited[1]["stock"] = 1
    with pytest.raises(SaveRefused, match="deleted by someone else"):
        apply_changes(shop, "shop_products", changes_from_edit(products, opened, edited, []), username="sue")
    added = [*opened, {"sku": "K-1b", "name": "Kettle mini"}]
    apply_changes(shop, "shop_products", [RowChange(key={"sku": "K-1b"}, values={"name": "x"})], username="sam")
    changes = changes_from_edit(products, opened, added, [{"sku": "L-1"}])
    with pytest.raises(SaveRefused, match="added by someone else"):
        apply_changes(shop, "shop_products", changes, username="sue")


def test_refusals_server_side_role_allow_list_and_table_shape(shop):
    change = [RowChange(key={"sku": "K-1"}, values={"stock": "1"})]
    with pytest.raises(PermissionRefused, match="only stewards and admins"):
        apply_changes(shop, "shop_products", change, username="ann")
    with pytest.raises(PermissionRefused):
        apply_changes(shop, "shop_products", change, username="nobody")
    accounts.set_active(shop, "sue", False)
    with pytest.raises(PermissionRefused):
        apply_changes(shop, "shop_products", change, username="sue")
    assert apply_changes(shop, "shop_products", change, username="ada").updated == 1  # admins are above stewards

    assert allowlist.deny(shop, "SHOP_PRODUCTS")
    with pytest.raises(NotEditable, match="not open for editing"):
        apply_changes(shop, "shop_products", change, username="sam")
    with pytest.raises(NotEditable, match="product's own tables"):
        allowlist.allow(shop, "elt_users")
    with shop.begin() as conn:
        conn.execute(sa.text("CREATE TABLE no_key (a INTEGER, b TEXT)"))
    with pytest.raises(NotEditable, match="no primary key"):
        allowlist.allow(shop, "no_key")
    assert table_rows(shop)[0]["stock"] == 1


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"price": "cheap"}, "not a valid number for column price"),
        ({"price": "1.234"}, "3 decimals; column price keeps 2"),
        ({"stock": "2.5"}, "not a valid whole number for column stock"),
        ({"launched": "31/12/2024"}, r"not a valid date \(YYYY-MM-DD\)"),
        ({"name": "x" * 41}, "at most 40 fit"),
        ({"name": None}, "column name may not be empty"),
    ],
)
def test_values_are_checked_against_column_types_before_anything_is_written(shop, values, message):
    statements = _statements(shop)
    with pytest.raises(ValueProblem, match=message):
        apply_changes(shop, "shop_products", [RowChange(key={"sku": "K-1"}, values=values)], username="sam")
    writes = ("INSERT", "UPDATE", "DELETE", "CREATE", "BEGIN", "MERGE")
    assert not [s for s in statements if s.lstrip().upper().startswith(writes)]
    assert table_rows(shop) == ROWS


def test_quality_rules_of_the_table_fail_refuses_with_the_rule_name_warn_saves(shop):
    with shop.begin() as conn:
        conn.execute(
            schema.data_quality_rules.insert(),
            [
                {
                    "rule_name": "shop_stock_not_negative",
                    "target_table": "shop_products",
                    "target_column": "stock",
                    "check_type": "NOT_NEGATIVE",
                    "check_expression": None,
                    "severity": "FAIL",
                },
                {
                    "rule_name": "shop_price_range",
                    "target_table": "shop_products",
                    "target_column": "price",
                    "check_type": "RANGE",
                    "check_expression": "0,100",
                    "severity": "WARN",
                },
            ],
        )
    with pytest.raises(SaveRefused, match="shop_stock_not_negative"):
        apply_changes(
            shop,
            "shop_products",
            [RowChange(key={"sku": "K-1"}, values={"stock": "-3"}), RowChange(key={"sku": "L-1"}, values={"stock": 1})],
            username="sam",
        )
    assert table_rows(shop) == ROWS and _audit(shop) == []
    result = apply_changes(
        shop, "shop_products", [RowChange(key={"sku": "K-1"}, values={"price": "250"})], username="sam"
    )
    assert result.updated == 1 and "shop_price_range" in result.warnings[0]


def test_editing_a_key_or_dropping_rows_in_the_editor_is_refused(shop):
    opened = table_rows(shop)
    added_and_ticked = {"sku": "X-1", "name": "Never saved"}
    changes = changes_from_edit(products, opened, [*opened, added_and_ticked], [opened[2], added_and_ticked])
    assert [(c.key, c.delete) for c in changes] == [({"sku": "M-1"}, True)]
    with pytest.raises(ValueProblem, match="disappeared from the editor"):
        changes_from_edit(products, opened, opened[:2], [])
    with pytest.raises(ValueProblem, match="appears twice"):
        changes_from_edit(products, opened, [*opened, dict(opened[0])], [])


def test_mssql_merge_is_one_statement_with_holdlock_that_parses_as_tsql():
    dialect = mssql.dialect()
    stage = sa.Table("#steward_stage_x", sa.MetaData(), sa.Column("sku", sa.String), sa.Column("stock", sa.Integer))
    text = upsert.merge_sql(dialect, products, stage, ["sku"], ["sku", "stock"])
    assert text.startswith("MERGE INTO shop_products WITH (HOLDLOCK)")
    assert "WHEN MATCHED AND s._steward_op = 'D' THEN DELETE" in text
    parsed = sqlglot.parse(text, read="tsql")
    assert len(parsed) == 1 and parsed[0].key == "merge"


def test_a_row_added_by_another_transaction_while_the_save_waits_is_not_overwritten(shop):
    """The other transaction inserts the same new key and commits while our save is blocked on it."""
    import threading
    import time

    other = shop.connect()
    transaction = other.begin()
    other.execute(products.insert().values(sku="N-9", name="Theirs", stock=1))
    outcome: dict = {}

    def save() -> None:
        try:
            apply_changes(
                shop,
                "shop_products",
                [RowChange(key={"sku": "N-9"}, values={"name": "Ours"}, is_new=True)],
                username="sam",
            )
            outcome["result"] = "saved"
        except SaveRefused as exc:
            outcome["result"] = str(exc)

    worker = threading.Thread(target=save)
    worker.start()
    time.sleep(1.5)  # the save is now waiting on the other transaction's row (PostgreSQL) or lock (SQLite)
    assert worker.is_alive()
    transaction.commit()
    other.close()
    worker.join(timeout=60)
    assert "added by someone else" in outcome["result"]
    rows = {r["sku"]: r for r in table_rows(shop)}
    assert rows["N-9"]["name"] == "Theirs"
    assert _audit(shop) == []
