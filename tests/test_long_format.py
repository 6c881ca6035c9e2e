"""Export → import proposes nothing, whatever text the cells and their evidence hold."""

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from legislation.editorial import importing
from legislation.exports import long_format
from legislation.exports.spreadsheet import to_csv, to_xlsx
from legislation.matrix import build_summary_matrix
from legislation.models import Country, Source
from legislation.statuses import Status

from .factories import assess, make_country, make_instrument, make_provision, make_source

pytestmark = pytest.mark.usefixtures("reference_data")

HOSTILE_STARTS = st.sampled_from(["", "=", "+", "-", "@", "\t", "\r", "'", '"', "\n", "\u200f"])
# Any character a database and a spreadsheet file can hold: no NUL (PostgreSQL refuses it) and
# no other C0 control but tab, newline and carriage return (XLSX cannot hold them).
CHARACTERS = st.characters(
    blacklist_categories=("Cs",),
    blacklist_characters=[chr(c) for c in range(32) if chr(c) not in "\t\n\r"],
)
NOTES = st.builds(lambda start, rest: start + rest, HOSTILE_STARTS, st.text(CHARACTERS))
# Titles and references are typed in admin forms, which trim them; ";" separates provisions.
TITLES = st.builds(
    lambda start, rest: (start + rest).strip() or "x",
    HOSTILE_STARTS,
    st.text(CHARACTERS.filter(lambda c: c != ";"), min_size=1, max_size=60),
)


ICMEC_CODES = [f"ICMEC.{n}" for n in range(1, 6)]


@pytest.fixture
def land(db):
    country = Country.objects.get(iso2="NZ")  # a real country: every cell of the grid exists
    law = make_instrument(country)
    cells = [assess(country, code, Status.MET, note="") for code in ICMEC_CODES]
    for cell in cells:
        cell.provisions.add(make_provision(law))
    return country, cells, law


def exported(country, writer):
    matrix = build_summary_matrix([country], "icmec", detailed=True)
    header, rows = long_format.long_records(matrix, [country.iso2])
    return writer(header, rows, {"title": "export"})


@settings(
    max_examples=10,  # each example checks five cells, in CSV and in XLSX
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # shrinking a DB test takes minutes
)
@given(
    notes=st.lists(NOTES, min_size=5, max_size=5),
    title=TITLES,
    page=TITLES,
    instrument=TITLES,
    references=st.lists(TITLES, min_size=5, max_size=5, unique_by=lambda t: t[:100]),
)
def test_it_reimports_its_own_long_download_unchanged(
    land, notes, title, page, instrument, references
):
    country, cells, law = land
    source, _ = Source.objects.get_or_create(title=title, page=page[:50])
    law.title = instrument
    law.save()
    for cell, note, reference in zip(cells, notes, references, strict=True):
        cell.note, cell.source = note, source
        cell.save()
        provision = cell.provisions.get()
        provision.reference = reference[:100]
        provision.save()
    for name, writer in (("export.csv", to_csv), ("export.xlsx", to_xlsx)):
        preview = importing.preview(name, exported(country, writer))
        assert preview.ok, preview.errors
        assert preview.counts["unchanged"] == len(preview.rows) == 5, [
            r.changes for r in preview.rows
        ]


def test_it_round_trips_a_note_that_starts_with_a_tab(land):
    country, (cell, *_), _ = land
    cell.note = "\tindented: the law's own layout"
    cell.save()
    preview = importing.preview("export.csv", exported(country, to_csv))
    assert preview.counts["unchanged"] == 5, [r.changes for r in preview.rows]


def test_it_names_no_reviewer_in_the_long_download(land):
    country, _, _ = land
    header = exported(country, to_csv).decode("utf-8-sig")
    assert "reviewed_by" not in header and "reviewed_at" in header


def test_it_accepts_an_old_download_with_a_reviewed_by_column():
    assert "reviewed_by" in long_format.ACCEPTED_COLUMNS


def test_it_never_gives_a_synthetic_country_a_real_code(db):
    real = set(Country.objects.values_list("iso2", flat=True))
    for _ in range(40):
        make_source()
    made = [make_country().iso2 for _ in range(3)]
    assert not real & set(made)
