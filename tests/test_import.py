import datetime
import io
import re

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook

from legislation.editorial import importing, workflow
from legislation.models import Assessment, ChangeBatch, ChangeProposal, Country, Source
from legislation.statuses import Status

from .factories import cell, make_instrument, make_provision, make_source, make_user
from .scenarios import HEADER, csv_bytes, row

pytestmark = pytest.mark.usefixtures("reference_data")


def state():
    """Everything an import could touch, to prove a refused file changed nothing."""
    return (
        list(Assessment.objects.order_by("pk").values_list("pk", "status", "version", "note")),
        Assessment.history.count(),
        ChangeProposal.objects.count(),
        ChangeBatch.objects.count(),
        Source.objects.count(),
    )


GOOD = [row("FR", "ICMEC.1"), row("FR", "ICMEC.2", status="partial", note="defined in part")]

MALFORMED = {
    "unknown country": (
        [*GOOD, row("XX", "ICMEC.1")],
        "Row 5, column iso2: unknown country code “XX”",
    ),
    "unknown criterion": (
        [row("FR", "ICMEC.9"), *GOOD],
        "Row 3, column criterion: unknown criterion code “ICMEC.9”",
    ),
    "bad status": (
        [*GOOD, row("DE", "ICMEC.1", status="yes")],
        "Row 5, column status: “yes” is not a status",
    ),
    "reserved where not allowed": (
        [*GOOD, row("DE", "L19.1.c", status="reserved")],
        "Row 5, column status: “reserved” is not possible for L19.1.c",
    ),
    "bad date": (
        [*GOOD, row("DE", "ICMEC.1", as_of="31/12/2018")],
        "Row 5, column as_of: “31/12/2018” is not a date",
    ),
    "duplicate row": (
        [*GOOD, row("FR", "ICMEC.1", status="partial")],
        "Row 5, column criterion: duplicate row: France – ICMEC.1 is already given in row 3",
    ),
    "missing source": (
        [*GOOD, row("DE", "ICMEC.1", source="")],
        "Row 5, column source: missing source: an assessed status (met) needs a source",
    ),
    "country does not match code": (
        [*GOOD, row("DE", "ICMEC.1", country="Denmark")],
        "Row 5, column country: “Denmark” does not match DE (Germany)",
    ),
    "framework does not match criterion": (
        [*GOOD, row("DE", "ICMEC.1", framework="lanzarote")],
        "Row 5, column framework: “lanzarote” does not match ICMEC.1",
    ),
    "unknown provision": (
        [*GOOD, row("DE", "ICMEC.1", provisions="StGB (1871), § 184b")],
        "Row 5, column provisions: “StGB (1871), § 184b” is not a provision recorded for Germany",
    ),
    "article heading": (
        [*GOOD, row("DE", "Art.20")],
        "Row 5, column criterion: Art.20 is an article heading",
    ),
}


@pytest.mark.parametrize("kind", MALFORMED)
def test_it_rejects_a_malformed_row_naming_row_and_column(kind, editor):
    rows, message = MALFORMED[kind]
    result = importing.preview("batch.csv", csv_bytes(rows), author=editor)
    assert not result.ok
    assert any(e.startswith(message) for e in result.errors), result.errors


@pytest.mark.parametrize(
    "name,data,message",
    [
        ("empty.csv", b"", "The file is empty."),
        ("notes-only.csv", b"# nothing but notes\n\n", "The file is empty"),
        (
            "latin1.csv",
            csv_bytes([row("FR", "ICMEC.1", note="Código penal")]).decode().encode("latin-1"),
            "Row 3: the file is not UTF-8 text",
        ),
        (
            "columns.csv",
            csv_bytes([["FR", "ICMEC.1", "met"]], header=["iso2", "criterion", "state"]),
            "Row 2: wrong columns (missing country, framework, status",
        ),
        ("header-only.csv", csv_bytes([]), "The file has a header (row 2) but no data rows."),
        ("table.ods", b"PK\x03\x04", "Upload a .csv or .xlsx file"),
        ("broken.xlsx", b"not a zip at all", "The file is not a readable XLSX workbook"),
    ],
)
def test_it_rejects_a_file_it_cannot_read_with_a_clear_message(name, data, message, editor):
    result = importing.preview(name, data, author=editor)
    assert any(e.startswith(message) for e in result.errors), result.errors


def test_it_rejects_a_file_over_the_size_limit(editor):
    data = csv_bytes(GOOD) + b"#" * settings.IMPORT_MAX_BYTES
    result = importing.preview("big.csv", data, author=editor)
    assert result.errors[0].startswith("The file is too large")


def test_it_leaves_the_database_unchanged_when_the_last_row_is_bad(client, editor):
    before = state()
    data = csv_bytes([*GOOD, row("DE", "ICMEC.1", status="met", source="")])
    client.force_login(editor)
    page = client.post(
        reverse("admin:legislation_assessment_import"),
        {"file": _upload("batch.csv", data)},
    )
    assert page.status_code == 200
    assert "Row 5, column source: missing source" in page.text
    assert "Propose these changes" not in page.text
    with pytest.raises(CommandError):
        _cli(data, editor, apply=True)
    assert state() == before


def test_it_warns_about_extra_columns_and_ignores_them(editor):
    data = csv_bytes([[*GOOD[0], "extra"]], header=[*HEADER, "comment"])
    result = importing.preview("batch.csv", data, author=editor)
    assert result.ok
    assert result.warnings == ["Column “comment” is not used and was ignored."]


def test_the_dry_run_lists_each_row_as_new_changed_or_unchanged_with_exact_diffs(editor):
    singapore_ok = row("SG", "ICMEC.2", status="not_met")  # the seed value as it stands
    seed = cell(Country.objects.get(iso2="SG"), "ICMEC.2")
    singapore_ok[HEADER.index("source")] = str(seed.source)
    singapore_ok[HEADER.index("note")] = seed.note
    singapore_ok[HEADER.index("as_of")] = seed.as_of.isoformat()
    singapore_ok[HEADER.index("as_of_precision")] = seed.as_of_precision
    singapore_ok[HEADER.index("evidence_grade")] = seed.evidence_grade
    changed = list(singapore_ok)
    changed[0], changed[1] = "PE", "Peru"
    changed[HEADER.index("status")] = "partial"
    pe_seed = cell(Country.objects.get(iso2="PE"), "ICMEC.2")
    changed[HEADER.index("as_of")] = pe_seed.as_of.isoformat()
    changed[HEADER.index("source")] = str(pe_seed.source)
    changed[HEADER.index("note")] = pe_seed.note

    result = importing.preview(
        "batch.csv", csv_bytes([row("FR", "ICMEC.1"), changed, singapore_ok]), author=editor
    )
    assert result.ok, result.errors
    new, change, same = result.rows
    assert (new.outcome, change.outcome, same.outcome) == ("new", "changed", "unchanged")
    assert new.changes[0] == ("status", "? not assessed", "✔ met")
    assert ("source", "—", "Desk review of the French Penal Code 2024") in new.changes
    assert new.notes == ["creates the new source “Desk review of the French Penal Code 2024”"]
    assert change.changes == [("status", "✘ not met", "◐ partial")]
    assert result.summary() == "3 rows: 1 new, 1 changed, 1 unchanged, 0 with errors"


def test_it_proposes_a_valid_batch_for_review_and_public_values_wait(client, editor, reviewer):
    france = Country.objects.get(iso2="FR")
    instrument = make_instrument(france, title="Code pénal", year=1992)
    provision = make_provision(instrument, reference="Art. 227-23")
    data = csv_bytes(
        [
            row("FR", "ICMEC.1"),
            row("FR", "ICMEC.4", provisions="Code pénal (1992), Art. 227-23", note="=1+1"),
        ]
    )
    client.force_login(editor)
    preview_page = client.post(
        reverse("admin:legislation_assessment_import"), {"file": _upload("batch.csv", data)}
    )
    assert preview_page.status_code == 200
    assert "2 rows: 2 new, 0 changed, 0 unchanged, 0 with errors" in preview_page.text
    assert not ChangeProposal.objects.exists()  # a dry run writes no proposal
    upload = re.search(r'name="upload" value="(\d+)"', preview_page.text).group(1)

    response = client.post(
        reverse("admin:legislation_assessment_import"),
        {
            "upload": upload,
            "reason": "Desk review of French law, June 2024",
            "reason_code": "new_evidence",
        },
    )
    assert response.status_code == 302
    batch = ChangeBatch.objects.get()
    assert (batch.kind, batch.author, batch.file_name) == ("import", editor, "batch.csv")
    assert batch.proposals.count() == 2
    assert cell(france, "ICMEC.1").status == Status.NOT_ASSESSED

    workflow.approve(reviewer, list(batch.proposals.values_list("pk", flat=True)), "ok")
    assert cell(france, "ICMEC.1").status == Status.MET
    fourth = cell(france, "ICMEC.4")
    assert list(fourth.provisions.all()) == [provision]
    assert fourth.note == "=1+1"
    record = fourth.history.first()
    assert (record.history_user, record.proposed_by) == (reviewer, editor)
    assert record.history_change_reason == "Desk review of French law, June 2024"


def test_reimporting_the_same_file_changes_nothing(editor, reviewer):
    data = csv_bytes(GOOD)
    first = importing.apply_import(importing.preview("b.csv", data, editor), editor, "first")
    pending_again = importing.preview("b.csv", data, editor)
    assert pending_again.counts["unchanged"] == 2
    workflow.approve(reviewer, [p.pk for p in first.proposals])
    before = state()
    again = importing.preview("b.csv", data, editor)
    assert again.counts == {"new": 0, "changed": 0, "unchanged": 2, "error": 0}
    assert importing.apply_import(again, editor, "second").batch is None
    assert state() == before


def test_the_template_round_trips_unchanged(client, editor):
    client.force_login(editor)
    response = client.get(reverse("admin:legislation_assessment_import_template") + "?format=csv")
    assert response.status_code == 200
    data = response.content
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("# ") or lines[0].startswith('"# ')
    result = importing.preview("template.csv", data, editor)
    assert result.ok, result.errors[:3]
    assert len(result.rows) == Assessment.objects.count()
    assert result.counts["unchanged"] == len(result.rows)


def test_the_template_neutralises_formulas(client, editor):
    target = cell(Country.objects.get(iso2="FR"), "ICMEC.3")
    target.note = '=HYPERLINK("http://evil")'
    target.save()
    client.force_login(editor)
    response = client.get(reverse("admin:legislation_assessment_import_template"))
    assert "'=HYPERLINK" in response.content.decode()
    # and the apostrophe is removed again on import, so the note round-trips
    result = importing.preview("t.csv", response.content, editor)
    france_row = next(r for r in result.rows if r.cell and r.cell.pk == target.pk)
    assert france_row.outcome == "unchanged"


def test_the_xlsx_template_round_trips_unchanged(client, editor):
    client.force_login(editor)
    response = client.get(reverse("admin:legislation_assessment_import_template") + "?format=xlsx")
    result = importing.preview("template.xlsx", response.content, editor)
    assert result.ok, result.errors[:3]
    assert result.counts["unchanged"] == Assessment.objects.count()


def test_it_reads_xlsx_with_notes_and_real_date_cells(editor):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["# exported 2024-07-01"])
    sheet.append(HEADER)
    values = row("FR", "ICMEC.1")
    values[HEADER.index("as_of")] = datetime.datetime(2024, 6, 30)
    sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = importing.preview("batch.xlsx", buffer.getvalue(), editor)
    assert result.ok, result.errors
    assert result.rows[0].line == 3
    assert result.rows[0].values["as_of"] == datetime.date(2024, 6, 30)


def test_the_template_download_rejects_an_unknown_format(client, editor):
    client.force_login(editor)
    url = reverse("admin:legislation_assessment_import_template") + "?format=<b>pdf</b>"
    response = client.get(url)
    assert response.status_code == 400
    assert "<b>" not in response.content.decode()


def test_the_command_line_dry_run_fails_on_errors_and_apply_proposes(editor, capsys):
    bad = csv_bytes([*GOOD, row("DE", "ICMEC.1", status="maybe")])
    with pytest.raises(CommandError, match="1 error"):
        _cli(bad, editor)
    assert not ChangeProposal.objects.exists()

    good = csv_bytes(GOOD)
    out = _cli(good, editor)
    assert "Row 3: new France – ICMEC.1: status: ? not assessed → ✔ met" in out
    assert "Dry run: nothing was saved" in out
    assert not ChangeProposal.objects.exists()

    out = _cli(good, editor, apply=True)
    assert "Proposed 2 changes as batch #" in out
    assert ChangeProposal.objects.pending().count() == 2


def test_the_command_line_refuses_a_user_who_may_not_propose(tmp_path):
    make_user("vera", groups=["Viewers"])
    path = tmp_path / "b.csv"
    path.write_bytes(csv_bytes(GOOD))
    with pytest.raises(CommandError, match="may not propose"):
        call_command("import_assessments", str(path), "--user", "vera")


def test_a_stale_version_column_refuses_the_row(editor, reviewer):
    france = Country.objects.get(iso2="FR")
    version = cell(france, "ICMEC.1").version
    other = make_user("erin", groups=["Editors"])
    result = workflow.propose(
        other,
        "earlier",
        [
            workflow.Change(
                assessment=cell(france, "ICMEC.1"),
                base_version=version,
                values={
                    "status": Status.PARTIAL,
                    "as_of": None,
                    "as_of_precision": "day",
                    "evidence_grade": "C",
                    "note": "",
                    "source": make_source(),
                },
            )
        ],
    )
    workflow.approve(reviewer, [result.proposals[0].pk])
    data = csv_bytes([[*row("FR", "ICMEC.1"), str(version)]], header=[*HEADER, "version"])
    preview = importing.preview("b.csv", data, editor)
    assert preview.errors[0].startswith(
        "Row 3, column version: France – ICMEC.1 was changed by someone else"
    )
    # The message names who changed it and how.
    assert "erin (approved by rita)" in preview.errors[0]
    assert "status: ? not assessed → ◐ partial" in preview.errors[0]


def _upload(name, data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="text/csv")


def _cli(data, user, apply=False):
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".csv") as f:
        f.write(data)
        f.flush()
        out = io.StringIO()
        args = ["import_assessments", f.name, "--user", user.username]
        if apply:
            args.append("--apply")
        call_command(*args, stdout=out, stderr=io.StringIO())
        return out.getvalue()


def test_the_preview_escapes_what_the_file_says(client, editor):
    data = csv_bytes([row("<script>alert(1)</script>", "ICMEC.1")])
    client.force_login(editor)
    page = client.post(
        reverse("admin:legislation_assessment_import"), {"file": _upload("x<b>.csv", data)}
    )
    assert page.status_code == 200
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


def test_it_reads_a_semicolon_separated_csv(editor):
    data = csv_bytes(GOOD).decode().replace(",", ";").encode()
    result = importing.preview("excel-fr.csv", data, editor)
    assert result.ok, result.errors
    assert result.counts["new"] == 2


@pytest.mark.parametrize("written", ["partial", "PARTIAL", "◐ partial", "not met", "✘ not met"])
def test_it_accepts_a_status_as_value_words_or_badge(editor, written):
    result = importing.preview("b.csv", csv_bytes([row("FR", "ICMEC.1", status=written)]), editor)
    assert result.ok, result.errors
    assert result.rows[0].values["status"] in (Status.PARTIAL, Status.NOT_MET)


@pytest.mark.parametrize(
    "as_of,precision,expected",
    [
        ("2018", "", (datetime.date(2018, 12, 31), "year")),
        ("2018", "year", (datetime.date(2018, 12, 31), "year")),
        ("2024-02", "", (datetime.date(2024, 2, 29), "month")),
        ("2024-02-10", "", (datetime.date(2024, 2, 10), "day")),
        ("2024-02-10", "year", (datetime.date(2024, 2, 10), "year")),
    ],
)
def test_it_reads_a_year_or_a_month_as_its_last_day(editor, as_of, precision, expected):
    data = csv_bytes([row("FR", "ICMEC.1", as_of=as_of, as_of_precision=precision)])
    result = importing.preview("b.csv", data, editor)
    assert result.ok, result.errors
    values = result.rows[0].values
    assert (values["as_of"], values["as_of_precision"]) == expected


def test_it_refuses_a_year_alone_with_day_precision(editor):
    data = csv_bytes([row("FR", "ICMEC.1", as_of="2018", as_of_precision="day")])
    result = importing.preview("b.csv", data, editor)
    assert result.errors == [
        "Row 3, column as_of_precision: “2018” gives no day; use “year” or a full date."
    ]


@pytest.mark.parametrize("written", ["b", "B", "B – desk review of the official text"])
def test_it_accepts_an_evidence_grade_as_letter_or_label(editor, written):
    data = csv_bytes([row("FR", "ICMEC.1", evidence_grade=written)])
    result = importing.preview("b.csv", data, editor)
    assert result.ok, result.errors
    assert result.rows[0].values["evidence_grade"] == "B"


def test_public_pages_show_an_import_only_after_approval(client, editor, reviewer):
    assert "assessed: 16 of 980" in client.get("/").text
    outcome = importing.apply_import(
        importing.preview("b.csv", csv_bytes(GOOD), editor), editor, "r"
    )
    assert "assessed: 16 of 980" in client.get("/").text
    workflow.approve(reviewer, [p.pk for p in outcome.proposals])
    assert "assessed: 18 of 980" in client.get("/").text


def test_it_reads_a_rows_own_kind_of_change_from_the_reason_code_column():
    from legislation.editorial import importing

    row = importing.RowResult(line=2)
    assert importing.parse_reason_code(row, "Law amended") == "law_amended"
    assert importing.parse_reason_code(row, "") == "" and not row.errors
    assert importing.parse_reason_code(row, "because") == "" and row.errors
