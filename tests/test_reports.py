"""The regional / multi-country gap report at /reports/gaps/ and its downloads."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook
from pypdf import PdfReader

from legislation.models import Country
from legislation.statuses import Status

from .factories import assess
from .scenarios import HOSTILE_NOTE, meets, philippines_with_gaps

pytestmark = pytest.mark.usefixtures("reference_data")

URL = "/reports/gaps/"


def iso_codes(response):
    return [entry.country.iso2 for entry in response.context["report"].countries]


def test_it_shows_the_empty_form_without_an_error(client):
    response = client.get(URL)
    assert response.status_code == 200 and "report" not in response.context


def test_it_chooses_countries_by_a_list(client):
    response = client.get(URL, {"country": ["th", "ph"]})
    assert iso_codes(response) == ["PH", "TH"]


def test_it_chooses_countries_by_group(client):
    response = client.get(URL, {"group": "lanzarote", "framework": "lanzarote"})
    assert len(iso_codes(response)) == 48
    assert len(response.context["report"].leaves) == 21


def test_it_chooses_countries_by_region_or_sub_region(client):
    assert len(iso_codes(client.get(URL, {"region": "South-eastern Asia"}))) == 11
    assert len(iso_codes(client.get(URL, {"region": "Oceania"}))) == 14


def test_it_matches_a_region_whatever_its_case(client):
    assert len(iso_codes(client.get(URL, {"region": "south-eastern asia"}))) == 11


def test_it_keeps_countries_that_match_all_choices(client):
    response = client.get(URL, {"region": "Europe", "group": "eu", "country": ["fr", "ph"]})
    assert iso_codes(response) == ["FR"]


def test_it_shows_who_lacks_each_criterion_and_the_totals(client):
    philippines_with_gaps()
    response = client.get(URL, {"region": "South-eastern Asia"})
    body = response.content.decode()
    row = body[body.index("ICMEC.2 Definition of CSAM</th>") :]
    row = row[: row.index("</tr>")]
    for name in ["Indonesia", "Philippines", "Singapore", "Vietnam"]:
        assert name in row, name
    assert "Thailand" not in row  # Thailand meets it
    assert "assessed: 8 of 11" in row
    # ID, LA, MY, MM, SG, VN (seed values) and PH lack ICMEC.2; KH, LA, MY, MM, VN (seeds)
    # lack ICMEC.4; PH also lacks ICMEC.5.
    assert "13 cells not met or partial, in 8 of 11 countries" in body


def test_it_states_each_matrix_status_in_words_for_screen_readers(client):
    philippines_with_gaps()
    body = client.get(URL, {"country": ["ph"]}).content.decode()
    assert '<span class="visually-hidden">partial</span>' in body
    assert '<span class="visually-hidden">not assessed</span>' in body


@pytest.mark.parametrize(
    "params,message",
    [
        ({"country": "p1"}, "not two-letter ISO country codes"),
        ({"country": "zz"}, "No country has the code zz"),
        ({"group": "nope"}, "Select a valid choice"),
        ({"region": "Atlantis"}, "Select a valid choice"),
        ({"framework": "both"}, "Select a valid choice"),
        ({"export": "exe", "country": "ph"}, "Select a valid choice"),
        ({"framework": "icmec"}, "Choose the countries"),
    ],
)
def test_it_answers_bad_parameters_with_a_message_and_a_400(client, params, message):
    response = client.get(URL, params)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_it_escapes_rejected_values(client):
    response = client.get(URL, {"country": "<script>alert(1)</script>"})
    assert response.status_code == 400
    assert b"<script>alert" not in response.content


def test_it_exports_one_csv_row_per_country_and_criterion_with_sources(client):
    philippines_with_gaps()
    response = client.get(URL, {"country": ["ph", "th"], "export": "csv"})
    assert response["Content-Disposition"].startswith('attachment; filename="gap-report-icmec-')
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 10
    definition = next(r for r in rows if r["iso2"] == "ph" and r["criterion"] == "ICMEC.2")
    assert definition["status"] == "partial" and definition["gap"] == "yes"
    assert definition["source"].startswith("Desk review of the Philippine Anti-OSAEC Act")
    assert definition["provisions"] == "Anti-OSAEC and Anti-CSAEM Act (2022), Sec. 3(c)"


def test_it_never_exports_an_unassessed_cell_as_no_gap(client):
    philippines_with_gaps()
    response = client.get(URL, {"country": ["ph", "th"], "export": "csv"})
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    answers = {(r["status"], r["gap"]) for r in rows}
    assert ("not assessed", "not assessed") in answers
    assert not any(r["gap"] == "no" for r in rows if r["status"] == "not assessed")


def test_it_never_lets_a_note_start_a_formula_in_the_csv(client):
    ph = philippines_with_gaps()
    assess(ph, "ICMEC.4", Status.NOT_MET, note='=HYPERLINK("http://evil.example","y")')
    response = client.get(URL, {"country": ["ph"], "export": "csv"})
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    notes = {r["criterion"]: r["note"] for r in rows}
    assert notes["ICMEC.4"] == '\'=HYPERLINK("http://evil.example","y")'
    assert notes["ICMEC.2"] == HOSTILE_NOTE  # text that only contains "=" later is left alone


def test_it_writes_text_never_formulas_to_the_xlsx(client):
    ph = philippines_with_gaps()
    assess(ph, "ICMEC.4", Status.NOT_MET, note='=HYPERLINK("http://evil.example","y")')
    response = client.get(URL, {"country": ["ph"], "export": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in sheet[1]]
    note_column = header.index("note")
    cells = [row[note_column] for row in sheet.iter_rows(min_row=2)]
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    values = [c.value for c in cells]
    assert '\'=HYPERLINK("http://evil.example","y")' in values
    assert HOSTILE_NOTE in values


def test_it_lists_the_countries_and_who_lacks_each_criterion_in_the_pdf(client):
    philippines_with_gaps()
    response = client.get(URL, {"region": "South-eastern Asia", "export": "pdf"})
    assert response["Content-Type"] == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "Who lacks each criterion" in text
    assert "Vietnam" in text and "region: South-eastern Asia" in text


def cite_in_africa():
    # Cited provisions in both selections: a prefetch with nothing to fetch skips its second
    # query, which would make one side look cheaper for a reason unrelated to its size.
    meets("KE", "ICMEC.1")
    meets("ZA", "ICMEC.2")
    meets("KZ", "ICMEC.1")


def test_it_reports_on_5_and_54_countries_with_the_same_number_of_queries(client):
    cite_in_africa()
    with CaptureQueriesContext(connection) as few:
        response = client.get(URL, {"region": "Central Asia"})
    assert len(iso_codes(response)) == 5
    with CaptureQueriesContext(connection) as many:
        response = client.get(URL, {"region": "Africa"})
    assert len(iso_codes(response)) == Country.objects.filter(region="Africa").count() > 50
    assert len(many.captured_queries) == len(few.captured_queries)


def test_it_exports_5_and_54_countries_with_the_same_number_of_queries(client):
    cite_in_africa()
    with CaptureQueriesContext(connection) as few:
        client.get(URL, {"region": "Central Asia", "export": "csv"})
    with CaptureQueriesContext(connection) as many:
        client.get(URL, {"region": "Africa", "export": "csv"})
    assert len(many.captured_queries) == len(few.captured_queries)


def test_it_reports_on_lists_of_2_and_40_countries_with_the_same_number_of_queries(client):
    cite_in_africa()
    codes = [
        c.lower() for c in Country.objects.filter(region="Africa").values_list("iso2", flat=True)
    ]
    with CaptureQueriesContext(connection) as few:
        client.get(URL, {"country": ["ke", "za"]})
    with CaptureQueriesContext(connection) as many:
        response = client.get(URL, {"country": codes[:40]})
    assert len(iso_codes(response)) == 40
    assert len(many.captured_queries) == len(few.captured_queries)


@pytest.mark.parametrize(
    "url",
    [
        "/countries/?q=%00",
        "/countries/?q=%25_",
        "/countries/?region=%00&group=%00",
        "/countries/%00/",
        "/countries/p%00/gaps/",
        "/countries/%3Cb%3E/gaps.pdf",
        "/countries/ph/gaps.docx?x=%00",
        "/compare/countries/?c=%00&c=gb",
        "/compare/countries/?c=ph&c=gb&diff=%00&export=%00",
        "/compare/countries/?c[]=ph",
        "/reports/gaps/?country=%00",
        "/reports/gaps/?region=Europe&framework=%00",
        "/reports/gaps/?region=%E2%80%AE&group=coe",
        "/reports/gaps/?country=ph&country=PH",
    ],
)
def test_it_never_answers_a_malformed_parameter_with_a_500(client, url):
    assert client.get(url).status_code in (200, 301, 400, 404)


def test_the_pdf_renderer_warms_up_with_the_print_stylesheet():
    from legislation.reports import pdf

    document = PdfReader(io.BytesIO(pdf.warm_up()))
    assert len(document.pages) == 1
    assert "Briefing" in document.pages[0].extract_text()


def test_a_worker_whose_pdf_warm_up_fails_still_starts(caplog):
    from unittest import mock

    from config import gunicorn as server_config

    with mock.patch("legislation.reports.pdf.warm_up", side_effect=OSError("no fonts")):
        server_config.post_worker_init(worker=None)  # logs, does not raise
    assert "Could not warm up the PDF renderer" in caplog.text
