"""The formula guard: what a spreadsheet would run is shown as text, and the import gets the
exact text back."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from legislation.exports.spreadsheet import guard, unguard


@pytest.mark.parametrize(
    "value,expected",
    [
        ('=HYPERLINK("x")', '\'=HYPERLINK("x")'),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\rx", "'\rx"),
        ("'quoted", "''quoted"),
        ("plain", "plain"),
        ("", ""),
        (3, 3),
    ],
)
def test_it_never_lets_a_spreadsheet_cell_start_a_formula(value, expected):
    assert guard(value) == expected


@given(st.text())
def test_it_gets_every_string_back_through_guard_and_unguard(text):
    assert unguard(guard(text)) == text
