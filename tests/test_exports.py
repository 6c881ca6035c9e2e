import csv
import datetime
import io
import json

import openpyxl
import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from legislation.exports.long_format import LONG_COLUMNS
from legislation.models import Country
from legislation.statuses import Status

from .factories import assess, make_instrument, make_provision, make_source
from .scenarios import build_synthetic, rows_of

pytestmark = pytest.mark.usefixtures("reference_data")


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()


def data_rows(content, export_format):
    """Header and rows of an export, skipping the "#" notes as an importer would."""
    if export_format == "json":
        document = json.loads(content)
        return document["columns"], [[r[c] for c in document["columns"]] for r in document["rows"]]
    if export_format == "csv":
        lines = content.decode("utf-8-sig").splitlines()
        rows = list(csv.reader(line for line in lines if not line.startswith("#")))
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(content)).active
        rows = [
            ["" if v is None else v for v in row]
            for row in sheet.iter_rows(values_only=True)
            if not str(row[0]).startswith("#")
        ]
    return rows[0], rows[1:]


def notes(content, export_format):
    if export_format == "json":
        return json.loads(content)["meta"]
    if export_format == "csv":
        lines = content.decode("utf-8-sig").splitlines()
    else:  # XLSX keeps its notes on the "About" sheet
        sheet = openpyxl.load_workbook(io.BytesIO(content))["About"]
        return "\n".join(str(row[0]) for row in sheet.iter_rows(values_only=True))
    return "\n".join(line for line in lines if line.startswith("#"))


FORMATS = ["csv", "xlsx", "json"]
FILTERED = "/compare/?group=eu&where=ICMEC.2:not_assessed&sort=c_ICMEC_1"


@pytest.mark.parametrize("export_format", FORMATS)
def test_it_exports_exactly_the_rows_shown_in_the_wide_shape(client, export_format):
    france = Country.objects.get(iso2="FR")
    assess(france, "ICMEC.1", Status.MET)
    shown = rows_of(client.get(FILTERED))
    response = client.get(FILTERED + f"&_export={export_format}&shape=wide")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    header, rows = data_rows(response.content, export_format)
    assert header[:9] == [
        "iso2",
        "country",
        "region",
        "subregion",
        *[f"ICMEC.{n}" for n in range(1, 6)],
    ]
    assert [row[0] for row in rows] == shown  # same rows, same order
    assert shown[0] == "FR"  # sorted by ICMEC.1, met first
    assert rows[0][4] == "met" and rows[1][4] == "not_assessed"


@pytest.mark.parametrize("export_format", FORMATS)
def test_it_exports_one_row_per_country_and_criterion_in_the_long_shape(client, export_format):
    shown = rows_of(client.get(FILTERED))
    header, rows = data_rows(
        client.get(FILTERED + f"&_export={export_format}&shape=long").content, export_format
    )
    assert header == list(LONG_COLUMNS)
    assert len(rows) == len(shown) * 5
    assert [row[0] for row in rows[::5]] == shown
    assert {row[3] for row in rows} == {f"ICMEC.{n}" for n in range(1, 6)}


def test_it_exports_the_lanzarote_detail_columns(client):
    header, rows = data_rows(
        client.get("/compare/?framework=lanzarote&detail=1&q=France&_export=csv").content, "csv"
    )
    assert "L20.1.f" in header and "Art.20" not in header and len(rows) == 1
    header, _ = data_rows(client.get("/compare/?framework=lanzarote&_export=csv").content, "csv")
    assert "Art.20" in header and "L20.1.f" not in header


def test_it_exports_source_provisions_and_note_per_cell(client):
    france = Country.objects.get(iso2="FR")
    source = make_source(title="Desk review of the Code pénal", url="https://example.org/cp")
    cell = assess(
        france, "ICMEC.4", Status.PARTIAL, source=source, note="Possession only with intent."
    )
    cell.provisions.add(
        make_provision(make_instrument(france, title="Code pénal"), reference="227-23")
    )
    header, rows = data_rows(client.get("/compare/?q=France&_export=csv&shape=long").content, "csv")
    record = dict(zip(header, next(r for r in rows if r[3] == "ICMEC.4"), strict=True))
    assert record["status"] == "partial"
    assert record["as_of"] == "2024-01-31" and record["as_of_precision"] == "day"
    assert record["evidence_grade"] == "B"
    assert record["source"] == "Desk review of the Code pénal"
    assert record["source_url"] == "https://example.org/cp"
    assert record["provisions"] == "Code pénal (2020), 227-23"
    assert record["note"] == "Possession only with intent."


@pytest.mark.parametrize("export_format", ["csv", "xlsx"])
@pytest.mark.parametrize("note", ['=HYPERLINK("http://x")', "+1", "-2+3", "@SUM(A1)"])
def test_it_exports_a_formula_as_inert_text(client, export_format, note):
    france = Country.objects.get(iso2="FR")
    assess(france, "ICMEC.1", Status.MET, note=note)
    response = client.get(f"/compare/?q=France&_export={export_format}&shape=long")
    header, rows = data_rows(response.content, export_format)
    exported = dict(zip(header, rows[0], strict=True))["note"]
    assert exported == "'" + note
    if export_format == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_it_keeps_the_note_exact_in_json(client):
    france = Country.objects.get(iso2="FR")
    assess(france, "ICMEC.1", Status.MET, note="=1+1")
    _, rows = data_rows(client.get("/compare/?q=France&_export=json&shape=long").content, "json")
    assert rows[0][10] == "=1+1"  # JSON is not run by spreadsheets; the value stays exact


@pytest.mark.parametrize("export_format", FORMATS)
def test_it_states_filters_time_and_sources_first(client, export_format):
    response = client.get(f"/compare/?region=Asia&where=ICMEC.2:not_met&_export={export_format}")
    text = json.dumps(notes(response.content, export_format), ensure_ascii=False)
    assert "region: Asia" in text and "ICMEC.2 is not met" in text
    assert "exported_at" in text
    assert "WePROTECT Global Alliance, Global Threat Assessment 2019" in text


def test_it_puts_notes_on_lines_an_importer_can_skip(client):
    content = client.get('/compare/?q=a"b%0A=c&_export=csv').content.decode("utf-8-sig")
    lines = content.splitlines()
    header_at = next(i for i, line in enumerate(lines) if line.startswith("iso2,"))
    assert header_at > 0
    assert all(line.startswith("# ") for line in lines[:header_at])
    assert all(not line.startswith("#") for line in lines[header_at:])


def test_it_refuses_an_export_of_invalid_filters(client):
    response = client.get("/compare/?min_met=abc&_export=csv")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


def export_queries(client, url):
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("export_format", FORMATS)
@pytest.mark.parametrize("shape", ["wide", "long"])
def test_it_exports_in_the_same_number_of_queries_for_20_and_200_countries(
    client, export_format, shape
):
    small, _ = build_synthetic(20, region="Small", seed=11)
    large, _ = build_synthetic(200, region="Large", seed=12)
    for countries in (small, large):
        for country in countries[:3]:
            cell = assess(country, "L20.1.a", Status.MET)
            cell.provisions.add(make_provision(make_instrument(country)))
    query = f"&framework=lanzarote&detail=1&_export={export_format}&shape={shape}"
    assert export_queries(client, "/compare/?region=Small" + query) == export_queries(
        client, "/compare/?region=Large" + query
    )


def test_it_exports_every_row_when_the_page_is_split(client):
    build_synthetic(301, region="Many", seed=13, fill=False)
    page = client.get("/compare/?region=Many")
    assert len(rows_of(page)) == 300
    assert 'aria-label="Pages of the table"' in page.content.decode()
    assert len(rows_of(client.get("/compare/?region=Many&page=2"))) == 1
    _, rows = data_rows(client.get("/compare/?region=Many&_export=csv").content, "csv")
    assert len(rows) == 301


def test_it_gives_the_xlsx_a_bold_frozen_filtered_header_and_real_dates(client):
    france = Country.objects.get(iso2="FR")
    assess(france, "ICMEC.1", Status.MET, as_of=datetime.date(2024, 6, 30))
    response = client.get("/compare/?q=France&_export=xlsx&shape=long")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["comparison", "About"]
    sheet = book["comparison"]
    header = [c.value for c in sheet[1]]
    assert header[:2] == ["iso2", "country"] and all(c.font.bold for c in sheet[1])
    assert sheet.freeze_panes == "C2"  # header row and country column stay in view
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, len(header)).column_letter}6"
    assert sheet.column_dimensions["B"].width >= len("France")
    as_of = sheet.cell(2, header.index("as_of") + 1).value
    assert as_of == datetime.datetime(2024, 6, 30)  # a date cell, not text
    about = "\n".join(str(row[0]) for row in book["About"].iter_rows(values_only=True))
    assert "filters: name or code contains “France”" in about


def test_it_leaves_the_csv_with_its_notes_above_the_header(client):
    content = client.get("/compare/?q=France&_export=csv&shape=long").content.decode("utf-8-sig")
    lines = content.splitlines()
    assert lines[0].startswith("# ") and lines[len(notes(content.encode(), "csv").splitlines())]
    assert "iso2,country,framework,criterion,status,as_of" in content
