"""The release CSVs read back exactly as written, for any text (formula guard included)."""

from hypothesis import given
from hypothesis import strategies as st

from legislation.releases import schema

texts = st.text(st.characters(blacklist_categories=["Cs"]), min_size=1)


@given(
    title=texts,
    page=st.one_of(st.none(), texts),
    year=st.one_of(st.none(), st.integers(0, 3000)),
)
def test_it_reads_back_every_csv_row_it_writes(title, page, year):
    row = {"source_id": 1, "title": title, "publisher": None, "year": year, "url": None}
    rows = [{**row, "page": page}]

    assert schema.from_csv("sources", schema.to_csv("sources", rows)) == rows


@given(st.text(st.characters(blacklist_categories=["Cs"])))
def test_it_unguards_every_guarded_text(text):
    assert schema.unguard(schema.guard(text)) == text
    assert not schema.guard(text).startswith(("=", "+", "-", "@", "\t", "\r"))
