"""Steward text is stored as it reads: no control characters, no direction overrides, no padded new keys.

Through the real save (apply_changes, and the CSV file of ``elt steward apply``) on both warehouses.
"""

from __future__ import annotations

import pytest

from elt_project.analytics.steward.changes import RowChange, ValueProblem, changes_from_csv
from elt_project.analytics.steward.save import apply_changes
from tests.analytics.conftest import ROWS, products, table_rows


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            RowChange(key={"sku": "K-1"}, values={"name": "Kettle\x07"}),
            r"^Row K-1, column name: the value holds the control character U\+0007; remove it and save again\.$",
        ),
        (RowChange(key={"sku": "K-1"}, values={"name": "Kettle\x00"}), r"column name: .*control character U\+0000"),
        (RowChange(key={"sku": "K-1"}, values={"name": "Kettle\x85"}), r"column name: .*control character U\+0085"),
        (
            RowChange(key={"sku": "K-1"}, values={"name": "Price \u202e09.92"}),
            r"^Row K-1, column name: the value holds the text-direction control U\+202E; remove it",
        ),
        (RowChange(key={"sku": "K-1"}, values={"name": "a \u2067b\u2069"}), r"text-direction control U\+2067"),
        (
            RowChange(key={"sku": " N-1 "}, values={"name": "Notebook"}),
            r"^Row  N-1 , column sku: the value starts or ends with spaces; remove it and save again\.$",
        ),
        (RowChange(key={"sku": "N-1\t"}, values={"name": "Notebook"}), r"column sku: .*control character U\+0009"),
        (
            RowChange(key={"sku": "N-\u202e1"}, values={"name": "Notebook"}),
            r"^Row N-\\u202e1, column sku: the value holds the text-direction control U\+202E",
        ),
    ],
)
def test_unsafe_text_is_refused_naming_row_and_column_and_nothing_changes(shop, change, message):
    with pytest.raises(ValueProblem, match=message):
        apply_changes(shop, "shop_products", [change], username="sam")
    assert table_rows(shop) == ROWS


def test_line_breaks_and_tabs_in_text_and_right_to_left_marks_are_kept(shop):
    name = "Kettle\tsteel\r\nsecond line \u200f"
    result = apply_changes(
        shop, "shop_products", [RowChange(key={"sku": "K-1"}, values={"name": name})], username="sam"
    )
    assert result.updated == 1
    assert table_rows(shop)[0]["name"] == name


def test_an_existing_key_with_spaces_stays_editable(shop):
    """Keys loaded from a source are identities already: only new keys must be clean."""
    with shop.begin() as conn:
        conn.execute(products.insert(), [{"sku": " P-1", "name": "Padded"}])
    apply_changes(shop, "shop_products", [RowChange(key={"sku": " P-1"}, values={"stock": "3"})], username="sam")
    assert next(r for r in table_rows(shop) if r["sku"] == " P-1")["stock"] == 3


def test_a_change_file_with_a_padded_key_or_a_control_character_is_refused(shop, tmp_path):
    padded = tmp_path / "padded.csv"
    padded.write_text("sku,name\nK-1 ,Kettle\n", encoding="utf-8")
    with pytest.raises(ValueProblem, match="Row K-1 , column sku: the value starts or ends with spaces"):
        apply_changes(shop, "shop_products", changes_from_csv(padded, products), username="sam")
    bell = tmp_path / "bell.csv"
    bell.write_text("sku,name\nK-1,Ket\x1btle\n", encoding="utf-8")
    with pytest.raises(ValueProblem, match=r"Row K-1, column name: the value holds the control character U\+001B"):
        apply_changes(shop, "shop_products", changes_from_csv(bell, products), username="sam")
    assert table_rows(shop) == ROWS
