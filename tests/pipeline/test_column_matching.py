"""Matching a file's headers to staging columns: every rule of the order, and the exact messages.

Pure: the staging table is an in-memory definition. tests/pipeline/test_mapping_enrichment.py
runs the same matching through real loads on both warehouses.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from elt_project.errors import ConfigurationError, SourceFileError
from elt_project.pipeline.mapping import Drift, match_columns, parse_column_mapping, plan_columns


def _staging(schema: str | None = None) -> sa.Table:
    names = ("col_1", "col_2", "Col Three", "dagster_run_id", "source_file_hash")
    return sa.Table("stg", sa.MetaData(), *(sa.Column(n, sa.String) for n in names), schema=schema)


def _match(headers, mapping=None, staging=None):
    staging = _staging() if staging is None else staging
    return match_columns(headers, staging, mapping, import_name="imp", file_name="f.csv")


def test_mapping_text_skips_empty_parts_and_splits_at_the_last_arrow():
    assert parse_column_mapping(" a > col_1 ,, b>c > col_2, ", import_name="x") == [("a", "col_1"), ("b>c", "col_2")]
    assert parse_column_mapping(' { "A ": " col_1", "7": 2} ', import_name="x") == [("A", "col_1"), ("7", "2")]
    with pytest.raises(ConfigurationError) as err:
        parse_column_mapping("{not json", import_name="sales")
    assert str(err.value) == (
        "column_mapping of import 'sales' is not valid JSON (Expecting property name enclosed in double quotes); "
        "use 'Source > target, ...' or a JSON object."
    )
    with pytest.raises(ConfigurationError) as err:
        parse_column_mapping("a > col_1,  b col_2 ", import_name="sales")
    assert str(err.value) == (
        "column_mapping of import 'sales' has 'b col_2' without '>'; "
        "write each pair as 'Source Column > staging_column'."
    )


def test_exact_names_win_over_stripped_and_loose_ones():
    # " A" and "a" both loosely equal "A"; the exact header must be taken, whatever its position
    plan, drift = _match([" A", "a", "A"], "A > col_1, a > col_2, ' A' > Col Three".replace("' A'", " A"))
    assert not drift
    assert dict(zip(plan.targets, plan.sources)) == {"col_1": 2, "col_2": 1, "Col Three": 0}
    # a stripped match is preferred to a loose one
    plan, _ = _match(["b_x", " bx "], "bx > col_1, b x > col_2")
    assert dict(zip(plan.targets, plan.sources)) == {"col_1": 1, "col_2": 0}
    # the plan lists the columns in header order
    plan, _ = _match(["c", "b", "a"], "a > col_1, b > col_2, c > Col Three")
    assert (plan.sources, plan.targets) == ((0, 1, 2), ("Col Three", "col_2", "col_1"))


def test_position_fills_only_when_the_counts_agree_and_both_sides_are_free():
    plan, drift = _match(["renamed", "b"], "a > col_1, b > col_2")
    assert (plan.sources, plan.targets, bool(drift)) == ((0, 1), ("col_1", "col_2"), False)
    # the unmatched pair's position is held by a matched header: no positional guess
    plan, drift = _match(["b", "renamed"], "a > col_1, b > col_2")
    assert (plan.sources, plan.targets) == ((0,), ("col_2",))
    assert (drift.new, drift.missing, drift.mapped) == (((1, "renamed"),), (("a", "col_1"),), True)
    # one header too many: no positional guess either
    plan, drift = _match(["renamed", "b", "c"], "a > col_1, b > col_2")
    assert plan.targets == ("col_2",)
    assert (drift.new, drift.missing) == (((0, "renamed"), (2, "c")), (("a", "col_1"),))


def test_the_mapping_may_spell_staging_columns_in_any_case():
    plan, drift = _match(["x"], "x > COL THREE")
    assert (plan.targets, bool(drift)) == (("Col Three",), False)
    with pytest.raises(ConfigurationError) as err:
        _match(["x", "y"], "x > dagster_run_id, y > nope", staging=_staging("raw"))
    assert str(err.value) == (
        "column_mapping of import 'imp' names column(s) 'dagster_run_id', 'nope' that staging table raw.stg "
        "does not have; fix the mapping or the table."
    )


def test_without_a_mapping_headers_match_case_and_spaces_insensitively_once_each():
    plan, drift = _match([" COL_2 ", "col three", "Extra"])
    assert (plan.sources, plan.targets) == ((0, 1), ("col_2", "Col Three"))
    assert (drift.new, drift.missing, drift.mapped) == (((2, "Extra"),), (), False)
    with pytest.raises(SourceFileError) as err:
        _match(["col_1", "COL_1"])
    assert str(err.value) == "File f.csv has two columns that both map to 'col_1'; rename one."
    assert _match(["dagster_run_id"])[1].new == ((0, "dagster_run_id"),)  # lineage columns hold no source data


def test_drift_is_true_only_when_something_differs_and_its_errors_name_the_columns():
    staging = _staging("raw")
    assert not Drift() and not Drift(mapped=True)
    assert Drift(new=((0, "a"),)) and Drift(missing=(("a", "col_1"),))
    unmapped = Drift(new=((1, "a"), (2, "b"))).error(staging, import_name="imp", file_name="f.csv")
    assert isinstance(unmapped, ConfigurationError)
    assert str(unmapped) == (
        "Staging table raw.stg has no column for source column(s) 'a', 'b' of file f.csv; add the column(s) or "
        "set column_mapping for import 'imp'."
    )
    both = Drift(new=((1, "z"),), missing=(("a", "col_1"), ("b", "col_2")), mapped=True)
    assert str(both.error(staging, import_name="imp", file_name="f.csv")) == (
        "File f.csv lacks column(s) 'a', 'b' named in column_mapping and has column(s) 'z' that column_mapping "
        "does not name of import 'imp'; fix the file or update column_mapping."
    )
    only_new = Drift(new=((1, "z"),), mapped=True).error(staging, import_name="imp", file_name="f.csv")
    assert isinstance(only_new, SourceFileError)
    assert str(only_new) == (
        "File f.csv has column(s) 'z' that column_mapping does not name of import 'imp'; "
        "fix the file or update column_mapping."
    )
    only_missing = Drift(missing=(("a", "col_1"),), mapped=True).error(staging, import_name="i", file_name="g")
    assert str(only_missing) == (
        "File g lacks column(s) 'a' named in column_mapping of import 'i'; fix the file or update column_mapping."
    )
    with pytest.raises(SourceFileError, match="lacks column"):
        plan_columns(["b"], staging, "a > col_1, b > col_2", import_name="i", file_name="g")


def test_plan_errors_name_the_import_and_the_file():
    staging = _staging()
    with pytest.raises(SourceFileError, match=r"^File g\.csv lacks column\(s\) 'a' .* of import 'imp'; fix"):
        plan_columns(["b"], staging, "a > col_1, b > col_2", import_name="imp", file_name="g.csv")
    with pytest.raises(SourceFileError, match=r"^File g\.csv has two columns that both map to 'col_1'"):
        plan_columns(["col_1", "COL_1"], staging, None, import_name="imp", file_name="g.csv")
    with pytest.raises(ConfigurationError, match=r"^column_mapping of import 'imp' has 'x' without '>'"):
        plan_columns(["x"], staging, "x", import_name="imp", file_name="g.csv")
    with pytest.raises(ConfigurationError, match=r"^column_mapping of import 'imp' names column\(s\) 'nope'"):
        plan_columns(["x"], staging, "x > nope", import_name="imp", file_name="g.csv")


def test_an_underscore_in_the_header_matches_a_space_in_the_column():
    plan, drift = _match(["COL_THREE"])
    assert (plan.targets, bool(drift)) == (("Col Three",), False)
