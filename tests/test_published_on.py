"""`?as_of=YYYY-MM-DD`: every public page exactly as it was published at the end of that day."""

import csv
import datetime
import io
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from legislation.editorial import workflow
from legislation.models import Assessment, Country, Criterion
from legislation.statuses import Status

from .factories import cell, make_country, make_instrument, make_provision, make_source

pytestmark = pytest.mark.usefixtures("reference_data")

TOMORROW = (datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1)).replace(
    hour=10, minute=0, second=0, microsecond=0
)
TODAY = TOMORROW.date()  # the tests' "today": after the session's reference load
YESTERDAY = (TOMORROW - datetime.timedelta(days=1)).date().isoformat()


@pytest.fixture
def approved_today(editor, reviewer):
    """PH ICMEC.5 set to partial today, citing a provision; the day before: not assessed."""
    with mock.patch("django.utils.timezone.now", lambda: TOMORROW):
        ph = Country.objects.get(iso2="PH")
        target = cell(ph, "ICMEC.5")
        provision = make_provision(
            make_instrument(ph, title="Anti-Child Pornography Act"), reference="Sec. 9"
        )
        change = workflow.Change(
            target,
            target.version,
            {
                "status": Status.PARTIAL,
                "as_of": datetime.date(2009, 11, 17),
                "as_of_precision": "day",
                "evidence_grade": "B",
                "note": "ISPs must report",
                "source": make_source(title="Reading of RA 9775"),
            },
            [provision],
        )
        result = workflow.propose(editor, "Read the Act", [change])
        workflow.approve(reviewer, [p.pk for p in result.proposals])
    with mock.patch("django.utils.timezone.now", lambda: TOMORROW + datetime.timedelta(hours=1)):
        yield ph


def above_the_laws_on_record(profile):
    """A profile's cells and treaty record: the laws on record below list the real RA 9775
    (Anti-Child Pornography Act of 2009) on every day since the reference load."""
    return profile[: profile.index('class="laws-on-record"')]


def test_it_shows_the_profile_as_published_the_day_before(client, approved_today):
    past = client.get(f"/countries/ph/?as_of={YESTERDAY}").content.decode()
    today = client.get("/countries/ph/").content.decode()
    assert "Anti-Child Pornography Act" in today
    assert "Anti-Child Pornography Act" not in above_the_laws_on_record(past)
    assert "Reading of RA 9775" not in past


def test_it_shows_a_banner_with_a_link_to_todays_version(client, approved_today):
    body = client.get(f"/countries/ph/?as_of={YESTERDAY}").content.decode()
    day = datetime.date.fromisoformat(YESTERDAY)
    assert f"As published on {day.day} {day:%B %Y}" in body
    assert 'href="/countries/ph/">see today&#x27;s version' in body or (
        "see today's version" in body and 'href="/countries/ph/"' in body
    )


def test_its_links_keep_the_date(client, approved_today):
    body = client.get(f"/countries/ph/?as_of={YESTERDAY}").content.decode()
    assert f'href="/compare/?as_of={YESTERDAY}"' in body


def test_it_shows_the_comparison_download_as_published_the_day_before(client, approved_today):
    past = client.get(f"/compare/?framework=icmec&_export=csv&shape=long&as_of={YESTERDAY}")
    today = client.get("/compare/?framework=icmec&_export=csv&shape=long")
    assert past.status_code == 200
    assert "Anti-Child Pornography Act" in today.content.decode()
    assert "Anti-Child Pornography Act" not in past.content.decode()


def test_it_shows_the_comparison_page_as_published_the_day_before(client, approved_today):
    past = client.get(f"/compare/?framework=icmec&as_of={YESTERDAY}")
    assert past.status_code == 200
    assert "As published on" in past.content.decode()


def wide_rows(client, query):
    """The country codes of the comparison's wide CSV download for this query."""
    response = client.get(f"/compare/?framework=icmec&_export=csv&shape=wide&{query}")
    assert response.status_code == 200, response.content
    text = response.content.decode("utf-8-sig")
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    return {row["iso2"] for row in csv.DictReader(lines)}


@pytest.mark.parametrize(
    ("query", "today", "yesterday"),
    [
        ("where=ICMEC.5:partial", True, False),  # partial since today
        ("where=ICMEC.5:not_assessed", False, True),  # not assessed until today
        ("fully_assessed=1&q=PH", False, False),
    ],
)
def test_the_status_filters_read_the_cells_as_published_on_the_day_asked(
    client, approved_today, query, today, yesterday
):
    assert ("PH" in wide_rows(client, query)) is today
    assert ("PH" in wide_rows(client, f"{query}&as_of={YESTERDAY}")) is yesterday
    page = client.get(f"/compare/?framework=icmec&{query}&as_of={YESTERDAY}").content.decode()
    assert ('href="/countries/ph/?as_of=' in page) is yesterday


def test_the_figures_count_the_countries_the_status_filters_chose_that_day(client, approved_today):
    past = client.get(f"/figures/?where=ICMEC.5:partial&as_of={YESTERDAY}").context
    today = client.get("/figures/?where=ICMEC.5:partial").context
    assert today["country_count"] >= 1
    assert past["country_count"] == today["country_count"] - 1


def test_the_past_comparison_and_todays_never_share_a_rendered_row(
    client, approved_today, monkeypatch
):
    from legislation.site import tables

    rendered = []
    original = tables.CountryColumn.cell_html
    monkeypatch.setattr(
        tables.CountryColumn,
        "cell_html",
        lambda column, record: rendered.append(record["iso2"]) or original(column, record),
    )
    past = client.get(f"/compare/?q=Philippines&as_of={YESTERDAY}").content.decode()
    today = client.get("/compare/?q=Philippines").content.decode()
    assert "Reading of RA 9775" in today and "Reading of RA 9775" not in past
    # France's row reads the same on both days, yet each day renders its own.
    client.get(f"/compare/?q=France&as_of={YESTERDAY}")
    client.get("/compare/?q=France")
    assert rendered.count("FR") == 2
    assert rendered.count("PH") == 2
    assert client.get(f"/compare/?q=Philippines&as_of={YESTERDAY}").content.decode() == past


def test_it_shows_the_gap_report_and_its_pdf_as_published_the_day_before(client, approved_today):
    past = client.get(f"/countries/ph/gaps/?as_of={YESTERDAY}").content.decode()
    assert "Anti-Child Pornography Act" not in past
    assert "Anti-Child Pornography Act" in client.get("/countries/ph/gaps/").content.decode()
    pdf = client.get(f"/countries/ph/gaps.pdf?as_of={YESTERDAY}")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Anti-Child Pornography" not in text


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/compare/?framework=icmec",
        "/countries/ph/",
        "/countries/ph/gaps/",
        "/countries/ph/gaps.pdf",
        "/countries/ph/gaps.docx",
        "/reports/gaps/?region=Asia&framework=icmec",
        "/compare/countries/?c=ph&c=fr",
        "/criteria/ICMEC.5/",
        "/figures/",
    ],
)
@pytest.mark.parametrize("bad", ["2026-13-01", "yesterday", "3000-01-01"])
def test_it_refuses_a_bad_or_future_date_with_a_400(client, path, bad):
    sep = "&" if "?" in path else "?"
    response = client.get(f"{path}{sep}as_of={bad}")
    assert response.status_code == 400
    assert b"YYYY-MM-DD" in response.content or b"in the future" in response.content


def test_it_answers_every_public_view_for_a_past_day(client, approved_today):
    for path in [
        "/",
        "/compare/?framework=lanzarote",
        "/countries/ph/gaps.docx",
        "/reports/gaps/?region=Asia&framework=icmec",
        "/compare/countries/?c=ph&c=fr",
        "/criteria/ICMEC.5/",
        "/criteria/Art.20/",
        "/figures/",
    ]:
        sep = "&" if "?" in path else "?"
        assert client.get(f"{path}{sep}as_of={YESTERDAY}").status_code == 200, path


def queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def grow(countries):
    """More countries with assessed, cited cells, recorded in the history."""
    for _ in range(countries):
        country = make_country()
        for code in ["ICMEC.1", "ICMEC.2"]:
            target = Assessment.objects.create(
                country=country,
                criterion=Criterion.objects.get(code=code),
                status=Status.MET,
                source=make_source(),
                as_of=datetime.date(2024, 1, 1),
            )
            target.provisions.add(make_provision(make_instrument(country)))


def test_the_past_comparison_and_its_download_run_a_constant_number_of_queries(client):
    moment = datetime.date.today().isoformat()
    page = f"/compare/?framework=icmec&as_of={moment}&q=Testland"
    download = f"/compare/?framework=icmec&as_of={moment}&_export=json&shape=long"
    chosen = f"/compare/?framework=icmec&as_of={moment}&where=ICMEC.1:met&min_met=1"
    grow(1)
    few = [queries(client, url) for url in (page, download, chosen)]
    grow(4)
    assert [queries(client, url) for url in (page, download, chosen)] == few


def test_the_past_profile_and_gap_report_run_a_constant_number_of_queries(client):
    moment = datetime.date.today().isoformat()
    ph = Country.objects.get(iso2="PH")

    def cite(codes, status):
        for code in codes:
            target = cell(ph, code)
            target.status = status
            target.source = make_source()
            target.as_of = datetime.date(2024, 1, 1)
            target.save()
            target.provisions.add(make_provision(make_instrument(ph)))

    # Both frameworks cite something from the start: a read with nothing to fetch skips it.
    cite(["ICMEC.1", "L18.1.a"], Status.PARTIAL)
    pages = [f"/countries/ph/?as_of={moment}", f"/countries/ph/gaps/?as_of={moment}"]
    few = [queries(client, page) for page in pages]
    cite(["ICMEC.3", "ICMEC.4", "L20.1.a", "L21.1.a", "L19.1.a"], Status.PARTIAL)
    assert [queries(client, page) for page in pages] == few


def test_it_counts_the_home_pages_coverage_as_published_the_day_before(client, approved_today):
    past = client.get(f"/?as_of={YESTERDAY}").context["coverage"]["frameworks"]
    today = client.get("/").context["coverage"]["frameworks"]
    icmec = [f.framework.code for f in today].index("icmec")
    assert today[icmec].assessed_cells == past[icmec].assessed_cells + 1


def test_the_briefings_say_which_day_they_show(client, approved_today):
    pdf = client.get(f"/countries/ph/gaps.pdf?as_of={YESTERDAY}")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "As published on" in text
    assert YESTERDAY in pdf["Content-Disposition"]
