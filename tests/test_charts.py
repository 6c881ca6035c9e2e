"""Charts over time: figures replayed from the history, ICMEC's editions as published."""

import datetime

import pytest

from legislation import charts
from legislation.models import Country, Criterion
from legislation.statuses import Status

from .factories import assess

pytestmark = pytest.mark.usefixtures("reference_data")


def test_it_counts_the_cells_assessed_per_framework_at_each_months_end():
    chart = charts.coverage_chart()
    icmec = next(s for s in chart.series if s.label.startswith("ICMEC"))
    before = icmec.values[-1]
    assess(Country.objects.get(iso2="PH"), "ICMEC.5", Status.MET)
    assert charts.coverage_chart().series[chart.series.index(icmec)].values[-1] == before + 1


def test_it_never_counts_not_assessed_as_a_status():
    chart = charts.status_chart(criterion=Criterion.objects.get(code="ICMEC.2"))
    assert Status.NOT_ASSESSED.label not in [s.label for s in chart.series]
    not_met = next(s for s in chart.series if s.label == Status.NOT_MET.label)
    assert not_met.values[-1] == 11  # the ICMEC.2 seed values: WePROTECT 2019 and ASEAN 2021


def test_it_replays_month_by_month():
    months = charts.month_ends(datetime.date(2025, 11, 3), datetime.date(2026, 2, 1))
    assert [label for label, _ in months] == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert months[1][1] == datetime.datetime(2025, 12, 31, 23, 59, 59, 999999, tzinfo=datetime.UTC)


def test_it_shows_icmecs_published_figures_and_marks_the_new_meaning_of_sufficient():
    chart = charts.icmec_editions_chart()
    table = {label: values for label, values, _ in chart.table()}
    assert table["1st (2006)"][:2] == [27, 95]
    assert table["8th (2016)"][:2] == [82, 35]
    assert table["9th (2018)"][:2] == [118, 16]
    assert chart.marks == [(chart.x_ticks.index("7th (2012)"), "“sufficient” redefined")]


def test_the_page_has_an_svg_with_title_axes_source_and_table(client):
    body = client.get("/figures/over-time/?region=Asia").content.decode()
    assert body.count('role="img"') == 3
    assert "<title id=" in body and "Cells assessed" in body and "Source:" in body
    assert body.count("<details>") == 3
    assert "<script" not in body


def test_it_refuses_an_unknown_criterion_with_a_400(client):
    assert client.get("/figures/over-time/?criterion=NOPE").status_code == 400
