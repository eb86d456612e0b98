"""Text for number columns: converted exactly on every path, refused when it would change, NA as NULL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from elt_project.errors import SourceFileError, TransformError
from elt_project.pipeline.api import run_import
from tests.pipeline.conftest import query

VALUES = ["-87.59553528", "41.8781136", "0.1", "1.50", "123456.789012", "-0.000123", "1e-7", "2.0"]


def _tables(engine):
    metadata = sa.MetaData()
    lineage = [
        sa.Column("dagster_run_id", sa.String(255)),
        sa.Column("source_file_hash", sa.String(64)),
        sa.Column("source_row_number", sa.BigInteger),
    ]
    for name in ("stg_points", "dest_points"):
        sa.Table(
            name,
            metadata,
            sa.Column("code", sa.BigInteger),
            sa.Column("lon", sa.Float(precision=53)),
            sa.Column("label", sa.String(255)),
            *(lineage if name.startswith("stg") else [sa.Column("source_file_hash", sa.String(64))]),
        )
    metadata.create_all(engine)


def _write(folder, name, rows):
    path = folder / name
    path.write_text("code,lon,label\n" + "".join(f"{c},{v},{t}\n" for c, v, t in rows), encoding="utf-8")
    return path


def test_small_and_large_files_of_the_same_values_land_identically(engine, settings, add_config, inbox):
    """Under 32,768 rows SQLite used executemany of text (inexact); above, ADBC. Now both bind float64."""
    _tables(engine)
    config = add_config(
        import_name="points",
        file_pattern="points_*.csv",
        staging_table="stg_points",
        destination_table="dest_points",
        load_method="append",
    )
    small = _write(inbox, "points_small.csv", [(i, v, "s") for i, v in enumerate(VALUES)])
    big_rows = [(i, VALUES[i % len(VALUES)], "b") for i in range(40_000)]
    big = _write(inbox, "points_big.csv", big_rows)
    run_import(engine, settings, config, [small.name])
    run_import(engine, settings, config, [big.name])
    expected = [float(v) for v in VALUES]
    small_values = [r[0] for r in query(engine, "SELECT lon FROM dest_points WHERE label = 's' ORDER BY code")]
    big_values = [
        r[0] for r in query(engine, "SELECT lon FROM dest_points WHERE label = 'b' AND code < 8 ORDER BY code")
    ]
    assert small_values == expected  # -87.59553528, not -87.59553528000001
    assert big_values == expected
    distinct = query(engine, "SELECT count(DISTINCT lon) FROM dest_points")
    assert distinct == [(len(set(expected)),)]


@pytest.mark.parametrize(
    ("value", "why"),
    [("094001", "leading zero"), ("+2", "leading +"), ("12a", "not a whole number")],
)
def test_a_number_column_refuses_a_value_that_would_change(engine, settings, add_config, inbox, value, why):
    _tables(engine)
    config = add_config(
        import_name="points",
        file_pattern="points_*.csv",
        staging_table="stg_points",
        destination_table="dest_points",
        load_method="append",
    )
    path = _write(inbox, "points_1.csv", [(94000, "1.5", "a"), (94002, "2.5", "b"), (value, "3.5", "c")])
    with pytest.raises(SourceFileError) as caught:
        run_import(engine, settings, config, [path.name])
    message = str(caught.value)
    assert "column 'code'" in message and "data row 3" in message and f"'{value}'" in message
    assert why in message and "make the column text" in message
    assert query(engine, "SELECT count(*) FROM dest_points") == [(0,)]
    assert query(engine, "SELECT count(*) FROM stg_points") == [(0,)]


def test_float_column_refuses_more_digits_than_it_holds(engine, settings, add_config, inbox):
    _tables(engine)
    config = add_config(
        import_name="points",
        file_pattern="points_*.csv",
        staging_table="stg_points",
        destination_table="dest_points",
        load_method="append",
    )
    path = _write(inbox, "points_1.csv", [(1, "0.12345678901234567891", "a")])
    with pytest.raises(SourceFileError, match="more digits than a FLOAT holds"):
        run_import(engine, settings, config, [path.name])


def test_null_markers_become_null_in_typed_columns_only(engine, settings, add_config, inbox):
    _tables(engine)
    config = add_config(
        import_name="points",
        file_pattern="points_*.csv",
        staging_table="stg_points",
        destination_table="dest_points",
        load_method="append",
    )
    path = _write(inbox, "points_1.csv", [("NA", "N/A", "NA"), (2, " null ", "x"), (3, "#N/A", "")])
    run_import(engine, settings, config, [path.name])
    rows = sorted(query(engine, "SELECT code, lon, label FROM dest_points"), key=repr)
    assert rows == sorted([(None, None, "NA"), (2, None, "x"), (3, None, None)], key=repr)


def test_configured_na_values_replace_the_defaults(engine, settings, add_config, inbox):
    _tables(engine)
    config = add_config(
        import_name="points",
        file_pattern="points_*.csv",
        staging_table="stg_points",
        destination_table="dest_points",
        load_method="append",
        scraper_config='{"read_options": {"na_values": ["-"]}}',
    )
    path = _write(inbox, "points_1.csv", [(1, "-", "-"), (2, "NA", "y")])
    with pytest.raises(SourceFileError, match="'NA'"):  # NA is no longer a marker
        run_import(engine, settings, config, [path.name])
    ok = _write(inbox, "points_2.csv", [(1, "-", "-")])
    run_import(engine, settings, config, [ok.name])
    assert query(engine, "SELECT code, lon, label FROM dest_points") == [(1, None, None)]


def _text_staging(engine):
    metadata = sa.MetaData()
    sa.Table(
        "stg_text",
        metadata,
        sa.Column("code", sa.String(50)),
        sa.Column("lon", sa.String(50)),
        sa.Column("amount", sa.String(50)),
        sa.Column("dagster_run_id", sa.String(255)),
        sa.Column("source_file_hash", sa.String(64)),
        sa.Column("source_row_number", sa.BigInteger),
    )
    sa.Table(
        "dest_text",
        metadata,
        sa.Column("code", sa.BigInteger),
        sa.Column("lon", sa.Float(precision=53)),
        sa.Column("amount", sa.Numeric(12, 2)),
    )
    metadata.create_all(engine)


def _text_config(add_config):
    return add_config(
        import_name="texts",
        file_pattern="texts_*.csv",
        staging_table="stg_text",
        destination_table="dest_text",
        load_method="append",
    )


def test_built_in_transform_casts_text_exactly_and_reads_markers_as_null(engine, settings, add_config, inbox):
    _text_staging(engine)
    config = _text_config(add_config)
    path = inbox / "texts_1.csv"
    path.write_text("code,lon,amount\n1,-87.59553528,12.50\n2,NA,N/A\n3,0.30000000000000004,7\n", encoding="utf-8")
    run_import(engine, settings, config, [path.name])
    rows = query(engine, "SELECT code, lon, amount FROM dest_text ORDER BY code")
    assert [(c, lon) for c, lon, _ in rows] == [(1, -87.59553528), (2, None), (3, 0.30000000000000004)]
    assert [float(a) if a is not None else None for *_, a in rows] == [12.5, None, 7.0]


@pytest.mark.parametrize(
    ("line", "column", "value"),
    [
        ("094001,1.5,1", "code", "094001"),
        ("abc,1.5,1", "code", "abc"),
        ("1,0.12345678901234567891,1", "lon", "0.12345678901234567891"),
        ("1,NAN-ish,1", "lon", "NAN-ish"),
        ("1,1.5,1.005", "amount", "1.005"),
        ("2.0,1.5,1", "code", "2.0"),  # PostgreSQL's bigint cast would refuse it
    ],
)
def test_built_in_transform_refuses_text_a_number_column_would_change(
    engine, settings, add_config, inbox, line, column, value
):
    _text_staging(engine)
    config = _text_config(add_config)
    path = inbox / "texts_1.csv"
    path.write_text(f"code,lon,amount\n1,2.5,3\n{line}\n", encoding="utf-8")
    with pytest.raises(TransformError) as caught:
        run_import(engine, settings, config, [path.name])
    message = str(caught.value)
    assert f"column '{column}'" in message and f"'{value}'" in message and "data row 2" in message
    assert "destination is unchanged" in message
    assert query(engine, "SELECT count(*) FROM dest_text") == [(0,)]


def test_a_date_column_refuses_dates_each_warehouse_reads_its_own_way(engine, settings, add_config, inbox):
    metadata = sa.MetaData()
    sa.Table(
        "stg_days",
        metadata,
        sa.Column("day", sa.Date),
        sa.Column("dagster_run_id", sa.String(255)),
        sa.Column("source_file_hash", sa.String(64)),
        sa.Column("source_row_number", sa.BigInteger),
    )
    sa.Table("dest_days", metadata, sa.Column("day", sa.Date))
    metadata.create_all(engine)
    config = add_config(
        import_name="days",
        file_pattern="days_*.csv",
        staging_table="stg_days",
        destination_table="dest_days",
        load_method="append",
    )
    (inbox / "days_1.csv").write_text("day\n2024-01-31\nNA\n01/02/2024\n", encoding="utf-8")
    with pytest.raises(SourceFileError, match="data row 3 holds '01/02/2024', which is not written YYYY-MM-DD"):
        run_import(engine, settings, config, ["days_1.csv"])
    (inbox / "days_2.csv").write_text("day\n2024-01-31\nNA\n", encoding="utf-8")
    run_import(engine, settings, config, ["days_2.csv"])
    assert [str(r[0])[:10] if r[0] else None for r in query(engine, "SELECT day FROM dest_days")] in (
        ["2024-01-31", None],
        [None, "2024-01-31"],
    )


def test_a_boolean_destination_refuses_unknown_spellings(engine, settings, add_config, inbox):
    metadata = sa.MetaData()
    sa.Table(
        "stg_flags",
        metadata,
        sa.Column("paid", sa.String(10)),
        sa.Column("dagster_run_id", sa.String(255)),
        sa.Column("source_file_hash", sa.String(64)),
        sa.Column("source_row_number", sa.BigInteger),
    )
    sa.Table("dest_flags", metadata, sa.Column("paid", sa.Boolean))
    metadata.create_all(engine)
    config = add_config(
        import_name="flags",
        file_pattern="flags_*.csv",
        staging_table="stg_flags",
        destination_table="dest_flags",
        load_method="append",
    )
    (inbox / "flags_1.csv").write_text("paid\nYes\nNA\nmaybe\n", encoding="utf-8")
    with pytest.raises(TransformError, match="data row 3 holds 'maybe', which is none of the true/false"):
        run_import(engine, settings, config, ["flags_1.csv"])
    (inbox / "flags_2.csv").write_text("paid\nYes\nNA\nno\n", encoding="utf-8")
    run_import(engine, settings, config, ["flags_2.csv"])
    paid = [None if v is None else bool(v) for (v,) in query(engine, "SELECT paid FROM dest_flags")]
    assert sorted(paid, key=repr) == sorted([True, None, False], key=repr)
