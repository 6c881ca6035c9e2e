import pytest

from legislation.matrix import build_matrix
from legislation.models import Country
from legislation.statuses import Status

from .factories import assess

MET = Status.MET
RESERVED, UNKNOWN = Status.RESERVED, Status.NOT_ASSESSED


@pytest.mark.usefixtures("reference_data")
def test_the_matrix_reads_every_cell_in_a_constant_number_of_queries(
    django_assert_num_queries,
):
    france = Country.objects.get(iso2="FR")
    assess(france, "L20.1.a", MET)
    assess(france, "L20.1.f", RESERVED)
    countries = list(Country.objects.all())
    with django_assert_num_queries(4):  # framework, criteria, cells, provisions
        matrix = build_matrix(countries, "lanzarote")
    row = matrix.by_iso2()["FR"]
    assert row.status("L20.1.a") == MET
    # One met and one reserved of seven: it could still turn out met, partial or reserved.
    assert row.status("Art.20") == UNKNOWN
    assert row.rollup("Art.20").detail == "2 of 7 assessed"
    assert row.assessed == 2 and row.total == 21
    assert len(matrix.rows) == 196
    assert [c.code for c in matrix.articles][0] == "Art.18"


@pytest.mark.usefixtures("reference_data")
def test_it_reads_cells_citing_many_instruments_in_the_same_number_of_queries(
    django_assert_num_queries,
):
    # More instruments than SQLite accepts as OR terms in one expression (about a thousand).
    from legislation.models import LegalInstrument, Provision

    france = Country.objects.get(iso2="FR")
    instruments = LegalInstrument.objects.bulk_create(
        LegalInstrument(country=france, title=f"Decree {n}") for n in range(1100)
    )
    provisions = Provision.objects.bulk_create(
        Provision(instrument=instrument, reference="Art. 1") for instrument in instruments
    )
    assess(france, "L20.1.e", MET).provisions.set(provisions)

    countries = list(Country.objects.all())
    with django_assert_num_queries(4):  # framework, criteria, cells, provisions with instruments
        matrix = build_matrix(countries, "lanzarote")
    assert len(matrix.by_iso2()["FR"].cells["L20.1.e"].provisions.all()) == 1100
