import re
from types import SimpleNamespace

import pytest
from django.core.cache import cache

from legislation.figures import headline_figures
from legislation.matrix import build_matrix
from legislation.models import Country, PublishedFigure
from legislation.statuses import Status

from .factories import assess
from .scenarios import build_synthetic

pytestmark = pytest.mark.usefixtures("reference_data")

MET, NOT_MET = Status.MET, Status.NOT_MET
ICMEC = [f"ICMEC.{n}" for n in range(1, 6)]


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()


def independent_count(countries, truth):
    """The ICMEC figures counted by hand over fully assessed data, without the app's code."""
    result = dict.fromkeys(
        [
            "sufficient",
            "all_five",
            "no_legislation",
            "some_but_insufficient",
            "no_definition",
            "no_technology",
            "no_possession",
        ],
        0,
    )
    for n in range(1, 6):
        result[f"met:ICMEC.{n}"] = 0
    for country in countries:
        statuses = [truth[(country.iso2, code)] for code in ICMEC]
        met = statuses.count(MET)
        result["sufficient"] += met >= 4
        result["all_five"] += met == 5
        result["no_legislation"] += statuses[0] == NOT_MET
        for n, status in enumerate(statuses, start=1):
            result[f"met:ICMEC.{n}"] += status == MET
        if statuses[0] != NOT_MET and met < 4:
            result["some_but_insufficient"] += 1
            result["no_definition"] += statuses[1] != MET
            result["no_technology"] += statuses[2] != MET
            result["no_possession"] += statuses[3] != MET
    return result


def computed(countries):
    matrix = build_matrix(countries, "icmec", with_provisions=False)
    return {f.key: f for f in headline_figures(matrix.rows)}


def test_it_equals_an_independent_count_over_a_fully_assessed_world():
    countries, truth = build_synthetic(120, region="Synthregion", seed=21)
    figures = computed(countries)
    expected = independent_count(countries, truth)
    assert {key: figures[key].value for key in expected} == expected
    assert figures["sufficient"].decided == 120 and figures["sufficient"].of == 120
    subset = expected["some_but_insufficient"]
    assert figures["no_definition"].decided == figures["no_definition"].of == subset


def test_it_equals_an_independent_count_for_one_region():
    build_synthetic(60, region="Synth North", seed=22)
    south, truth = build_synthetic(45, region="Synth South", seed=23)
    figures = computed(Country.objects.filter(region="Synth South"))
    expected = independent_count(south, truth)
    assert {key: figures[key].value for key in expected} == expected
    assert figures["all_five"].of == 45


def test_it_shows_the_region_figures_on_the_page(client):
    south, truth = build_synthetic(45, region="Synth South", seed=24)
    expected = independent_count(south, truth)
    body = client.get("/figures/?region=Synth+South").content.decode()
    row = body.split('id="figure-sufficient"', 1)[1].split("</tr>", 1)[0]
    assert f"<strong>{expected['sufficient']}</strong> of 45" in row
    assert "computed over 45 assessed countries of 45" in row
    assert "not comparable" in row  # ICMEC published world totals only


def test_it_never_counts_an_unassessed_criterion_as_not_met():
    kenya = Country.objects.get(iso2="KE")
    assess(kenya, "ICMEC.1", MET)
    assess(kenya, "ICMEC.2", MET)
    assess(kenya, "ICMEC.3", MET)
    figures = computed([kenya])
    # 3 met and 2 unknown: it could still be sufficient, so it is not decided either way.
    assert figures["sufficient"].decided == 0
    assert figures["some_but_insufficient"].decided == 0
    assert figures["met:ICMEC.4"].decided == 0
    assess(kenya, "ICMEC.4", NOT_MET)
    figures = computed([kenya])
    assert figures["all_five"].value == 0 and figures["all_five"].decided == 1
    assert figures["sufficient"].decided == 0  # ICMEC.5 could still make it 4 of 5


def test_it_states_coverage_beside_every_figure():
    figures = computed(Country.objects.all())
    singapore_seed = figures["met:ICMEC.2"]
    assert singapore_seed.value == 0 and singapore_seed.decided == 11
    assert singapore_seed.coverage == "computed over 11 assessed countries of 196"


def test_it_attaches_the_published_2018_figure_for_the_world_only():
    published = list(PublishedFigure.objects.filter(edition=9))
    rows = build_matrix(Country.objects.all(), "icmec", with_provisions=False).rows
    world = {f.key: f for f in headline_figures(rows, published)}
    assert world["sufficient"].published.value == 118
    assert world["no_possession"].published.scope == "some_but_insufficient"
    region = {f.key: f for f in headline_figures(rows[:10], published, whole_world=False)}
    assert region["sufficient"].published is None


def test_it_works_on_plain_rows_without_a_database():
    def row(*statuses):
        cells = {code: SimpleNamespace(status=s) for code, s in zip(ICMEC, statuses, strict=True)}
        return SimpleNamespace(cells=cells)

    rows = [row(MET, MET, MET, MET, NOT_MET), row(NOT_MET, NOT_MET, NOT_MET, NOT_MET, NOT_MET)]
    figures = {f.key: f for f in headline_figures(rows)}
    assert figures["sufficient"].value == 1 and figures["no_legislation"].value == 1
    assert figures["some_but_insufficient"].value == 0


def test_it_labels_computed_figures_as_not_icmecs(client):
    body = client.get("/figures/").content.decode()
    assert "not ICMEC's figure" in body
    assert "Published by ICMEC, 9th edition (2018)" in body
    assert re.search(r"<td><strong>118</strong><br>", body)


def test_it_puts_the_figures_and_the_map_on_the_home_page(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(15):
        body = client.get("/").content.decode()
    assert 'id="figure-sufficient"' in body
    assert "ICMEC criteria met per country" in body
    assert "<title>Singapore: partly assessed, met 0 of 5 (assessed 1 of 5)</title>" in body


def test_it_rejects_a_bad_region_with_a_message(client):
    response = client.get("/figures/?region=<script>x</script>")
    assert response.status_code == 400
    assert "<script>x" not in response.content.decode()


def test_it_counts_figures_in_the_same_queries_for_20_and_200_countries(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    build_synthetic(20, region="Small", seed=41)
    build_synthetic(200, region="Large", seed=42)
    counts = []
    for region in ("Small", "Large"):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/figures/?region={region}").status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_it_words_counts_and_possessives_in_english():
    from legislation.wording import counted, possessive

    assert [counted(n, "change") for n in (0, 1, 2)] == ["0 changes", "1 change", "2 changes"]
    assert counted(1, "country") == "1 country" and counted(3, "criterion") == "3 criteria"
    assert possessive("Philippines") == "Philippines’" and possessive("Fiji") == "Fiji’s"
