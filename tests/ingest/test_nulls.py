"""The spellings of "no value" a typed column reads as NULL: the defaults, or the configured list."""

from __future__ import annotations

from elt_project.ingest.nulls import DEFAULT_NA_VALUES, configured_na_values, na_values_for_typed


def test_without_a_setting_the_defaults_apply():
    for options in (None, {}, {"read_options": None}, {"read_options": {}}, {"read_options": ["NA"]}):
        assert configured_na_values(options) is None, options
        assert na_values_for_typed(options) == DEFAULT_NA_VALUES
    assert set(DEFAULT_NA_VALUES) == {"", "NA", "N/A", "n/a", "NULL", "null", "#N/A"}


def test_a_configured_list_replaces_the_defaults_and_keeps_the_empty_field():
    options = {"read_options": {"na_values": ["-", 0, "-"]}}
    assert configured_na_values(options) == ["-", "0", "-"]
    assert na_values_for_typed(options) == ("", "-", "0")
    # an empty list turns the word markers off; an empty field still is no value in a typed column
    assert na_values_for_typed({"read_options": {"na_values": []}}) == ("",)
