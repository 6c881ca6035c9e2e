"""Export → edit → import: the comparison page's long download is the import format."""

import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from legislation.editorial import importing, workflow
from legislation.models import Country, LegalInstrument, Provision
from legislation.statuses import Status

from .factories import assess, make_source, make_user

pytestmark = pytest.mark.usefixtures("reference_data")


def long_export(client, fmt, query="framework=icmec&region=Asia"):
    response = client.get(f"{reverse('legislation:compare')}?{query}&_export={fmt}&shape=long")
    assert response.status_code == 200
    return b"".join(response.streaming_content) if response.streaming else response.content


def edit_csv(data, iso2, code, **changes):
    text = data.decode("utf-8-sig")
    lines = text.splitlines(keepends=True)
    meta = [line for line in lines if line.startswith("#")]
    body = "".join(line for line in lines if not line.startswith("#"))
    rows = list(csv.reader(io.StringIO(body)))
    header = rows[0]
    for row in rows[1:]:
        if row[header.index("iso2")] == iso2 and row[header.index("criterion")] == code:
            for column, value in changes.items():
                row[header.index(column)] = value
    out = io.StringIO()
    out.writelines(meta)
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode("utf-8")


def test_it_reimports_an_unchanged_long_csv_as_all_unchanged(client):
    singapore = Country.objects.get(iso2="SG")
    law = LegalInstrument.objects.create(country=singapore, title="Penal Code 1871", year=1871)
    provision = Provision.objects.create(instrument=law, reference="s 377BK")
    assess(singapore, "ICMEC.4", Status.MET, note='=HYPERLINK("x")').provisions.add(provision)

    preview = importing.preview("compare.csv", long_export(client, "csv"))

    assert preview.ok, preview.errors
    assert preview.warnings == []
    assert preview.counts["unchanged"] == len(preview.rows) > 0
    assert preview.count("changed") == 0


def test_it_reimports_an_edited_long_csv_as_exactly_that_change(client):
    source = make_source(title="Singapore Statutes Online, Penal Code")
    data = edit_csv(
        long_export(client, "csv"),
        "SG",
        "ICMEC.4",
        status="met",
        as_of="2024-05-01",
        evidence_grade="B",
        source=source.title,
    )

    preview = importing.preview("compare.csv", data)

    assert preview.ok, preview.errors
    changed = [row for row in preview.rows if row.outcome in ("new", "changed")]
    assert [(row.cell.country.iso2, row.cell.criterion.code) for row in changed] == [
        ("SG", "ICMEC.4")
    ]


def test_it_reimports_the_long_xlsx_download(client):
    data = long_export(client, "xlsx", "framework=lanzarote&q=France")
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    assert workbook.active.max_row > 21

    preview = importing.preview("compare.xlsx", data)

    assert preview.ok, preview.errors
    assert preview.counts["unchanged"] == 21


def test_an_applied_round_trip_reaches_the_public_table_only_after_review(client):
    editor = make_user(groups=["Editors"])
    reviewer = make_user(groups=["Reviewers"])
    source = make_source(title="Penal Code (Thailand), desk review")
    data = edit_csv(
        long_export(client, "csv"),
        "TH",
        "ICMEC.4",
        status="met",
        as_of="2024-02-01",
        evidence_grade="B",
        source=source.title,
    )
    batch = importing.apply_import(importing.preview("th.csv", data), editor, "Thai desk review")

    def thailand_row():
        text = long_export(client, "csv", "framework=icmec&q=th").decode("utf-8-sig")
        rows = csv.DictReader(ln for ln in text.splitlines() if not ln.startswith("#"))
        return next(r for r in rows if r["iso2"] == "TH" and r["criterion"] == "ICMEC.4")

    assert thailand_row()["status"] == Status.NOT_ASSESSED
    workflow.approve(reviewer, [p.pk for p in batch.proposals], comment="checked")
    assert thailand_row()["status"] == Status.MET
