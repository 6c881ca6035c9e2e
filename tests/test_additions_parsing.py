"""Issue 12: reading the counts of ICMEC's figures by edition (no database)."""

import pytest

from legislation import reference_additions as additions


@pytest.mark.parametrize("figure", sorted(additions.MEANINGS))
@pytest.mark.parametrize("value", [0, 5, 138, 100_000])
def test_it_reads_a_plain_count_and_its_scope(value, figure):
    parsed_value, scope, remark = additions.parse_count(f"{value} ", figure)
    assert parsed_value == value and remark == ""
    assert scope == ("all" if figure in additions.WHOLE_WORLD_FIGURES else "unstated")


@pytest.mark.parametrize("text", ["", "(not found)", " ", "n/a (philstar)"])
def test_it_loads_nothing_from_a_cell_without_a_number(text):
    assert additions.parse_count(text, "sufficient") is None


def test_it_reads_a_stated_subset_as_the_scope():
    assert additions.parse_count("54 (of those with specific law)", "no_definition") == (
        54,
        "with_specific_law",
        "",
    )
    assert additions.parse_count("38 (of 62)", "no_possession")[1] == "some_but_insufficient"


def test_it_keeps_a_remark_that_is_not_a_scope():
    assert additions.parse_count("138 (philstar) ", "no_possession") == (
        138,
        "unstated",
        "philstar",
    )


@pytest.mark.parametrize(
    "edition,rule",
    [
        (1, "all_or_all_but_isp"),
        (6, "all_or_all_but_isp"),
        (None, "all_or_all_but_isp"),
        (7, "four_or_more"),
        (9, "four_or_more"),
    ],
)
def test_it_knows_which_sufficient_each_edition_counts(edition, rule):
    assert additions.sufficiency_rule("sufficient", edition) == rule
    assert additions.sufficiency_rule("no_legislation", edition) == ""


def test_it_clips_a_reason_to_the_history_limit():
    text = additions.reason("x" * 50, "https://www.finlex.fi/a https://www.coe.int/b " * 3)
    assert len(text) <= additions.REASON_LENGTH
