"""Hostile and broken import files: each is built here, refused with a message naming the
problem, on the admin page and the command line, and nothing is written."""

import io
import re
import tempfile
import time
import zipfile

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook

from legislation.editorial import importing

from .test_import import GOOD, HEADER, _upload, csv_bytes, row, state

pytestmark = pytest.mark.usefixtures("reference_data")

SHEET = "xl/worksheets/sheet1.xml"


def good_xlsx():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for values in GOOD:
        sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def rewrite(data, changes, drop=()):
    """The workbook with some parts replaced (name -> bytes or bytes -> bytes) or dropped."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename in drop:
                continue
            content = source.read(info)
            change = changes.get(info.filename)
            if change is not None:
                content = change(content) if callable(change) else change
            target.writestr(info.filename, content)
    return out.getvalue()


def dimension_bomb(ref="A1:XFD1048576"):
    return rewrite(
        good_xlsx(),
        {
            SHEET: lambda x: re.sub(
                rb'<dimension ref="[^"]*"/>', f'<dimension ref="{ref}"/>'.encode(), x
            )
        },
    )


def zip_bomb():
    """A valid workbook plus one part that inflates to 64 MiB (about 64 KB zipped)."""
    out = io.BytesIO(good_xlsx())
    archive = zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED)
    with archive, archive.open("xl/media/padding.bin", "w", force_zip64=True) as part:
        for _ in range(64):
            part.write(b"\0" * (1024 * 1024))
    return out.getvalue()


def many_rows_xlsx(count=30_000):
    """Rows past the row limit in a sheet far under the decompressed-size limit."""
    rows = "".join(f'<row r="{i}"><c r="A{i}"><v>1</v></c></row>' for i in range(1, count + 1))

    def sheet(xml):
        return re.sub(rb"<sheetData>.*</sheetData>", f"<sheetData>{rows}</sheetData>".encode(), xml)

    return rewrite(good_xlsx(), {SHEET: sheet})


def bad_deflate():
    data = bytearray(good_xlsx())
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo(SHEET)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    middle = start + info.compress_size // 2
    data[middle : middle + 16] = b"\xff" * 16
    return bytes(data)


LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
)
EXTERNAL = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'

HOSTILE = {
    "dimension bomb": ("bomb.xlsx", dimension_bomb, "The sheet declares 16,384 columns"),
    "zip bomb": ("zip.xlsx", zip_bomb, "The workbook decompresses to 67,"),
    "rows past the limit in a sheet": (
        "rows.xlsx",
        many_rows_xlsx,
        "Row 20,001: the file has more than 20,000 rows",
    ),
    "a million-row csv": (
        "million.csv",
        lambda: b"a\n" * 1_000_000,
        "Row 20,001: the file has more than 20,000 rows",
    ),
    "a row far too wide": (
        "wide.csv",
        lambda: csv_bytes([[*row(), *["x"] * 100]]),
        "Row 3: 111 columns, more than the limit of 60",
    ),
    "truncated xml": (
        "truncated.xlsx",
        lambda: rewrite(good_xlsx(), {SHEET: lambda x: x[: len(x) // 2]}),
        "The workbook cannot be read",
    ),
    "bad deflate": ("deflate.xlsx", bad_deflate, "The workbook cannot be read"),
    "no sheets": (
        "nosheets.xlsx",
        lambda: rewrite(
            good_xlsx(), {"xl/workbook.xml": lambda x: re.sub(rb"<sheets>.*</sheets>", b"", x)}
        ),
        "The workbook has no sheet",
    ),
    "missing sheet part": (
        "nopart.xlsx",
        lambda: rewrite(good_xlsx(), {}, drop=(SHEET,)),
        "The workbook has no sheet",
    ),
    "billion laughs": (
        "laughs.xlsx",
        lambda: rewrite(good_xlsx(), {SHEET: lambda x: LAUGHS + x}),
        "The workbook's part xl/worksheets/sheet1.xml declares a DTD",
    ),
    "external entity": (
        "xxe.xlsx",
        lambda: rewrite(good_xlsx(), {"xl/workbook.xml": lambda x: EXTERNAL + x}),
        "The workbook's part xl/workbook.xml declares a DTD",
    ),
    "not a zip": ("plain.xlsx", lambda: b"PK\x03\x04" + b"\x00" * 100, "The file is not a"),
}


@pytest.fixture(scope="module")
def hostile_files():
    return {name: (file_name, build()) for name, (file_name, build, _) in HOSTILE.items()}


def _cli_file(file_name, data, user, *extra):
    suffix = "." + file_name.rsplit(".", 1)[-1]
    with tempfile.NamedTemporaryFile(suffix=suffix) as f:
        f.write(data)
        f.flush()
        err = io.StringIO()
        with pytest.raises(CommandError) as raised:
            call_command(
                "import_assessments",
                f.name,
                "--user",
                user.username,
                *extra,
                stdout=io.StringIO(),
                stderr=err,
            )
        return err.getvalue() + str(raised.value)


@pytest.mark.parametrize("name", HOSTILE)
def test_it_refuses_a_hostile_file_quickly_on_the_admin_page(name, hostile_files, client, editor):
    file_name, data = hostile_files[name]
    before = state()
    client.force_login(editor)
    started = time.monotonic()
    page = client.post(
        reverse("admin:legislation_assessment_import"), {"file": _upload(file_name, data)}
    )
    assert time.monotonic() - started < 10
    assert page.status_code == 200
    assert HOSTILE[name][2] in page.text.replace("&#x27;", "'")
    assert "Propose these changes" not in page.text
    assert state() == before


@pytest.mark.parametrize("name", HOSTILE)
def test_it_refuses_a_hostile_file_on_the_command_line(name, hostile_files, editor):
    file_name, data = hostile_files[name]
    before = state()
    output = _cli_file(file_name, data, editor, "--apply", "--reason", "hostile file")
    assert HOSTILE[name][2] in output
    assert state() == before


def test_it_ignores_a_declared_row_count_and_reads_the_real_rows(editor):
    result = importing.preview("tall.xlsx", dimension_bomb("A1:K1048576"), author=editor)
    assert result.ok, result.errors
    assert len(result.rows) == len(GOOD)


def test_it_refuses_an_as_of_month_past_the_calendar(editor):
    result = importing.preview("late.csv", csv_bytes([row(as_of="9999-12")]), author=editor)
    assert "Row 3, column as_of: “9999-12” is not a date" in result.errors[0]


def test_the_command_line_refuses_a_reason_over_the_limit(editor):
    before = state()
    output = _cli_file("ok.csv", csv_bytes(GOOD), editor, "--apply", "--reason", "r" * 300)
    assert "The reason is 300 characters long; the limit is 250." in output
    assert state() == before


def test_a_long_reason_within_the_limit_reaches_history_whole(editor, reviewer):
    from legislation.editorial import workflow
    from legislation.models import Assessment

    reason = "why " * 62  # 248 characters, more than simple_history's default 100
    result = importing.preview("ok.csv", csv_bytes(GOOD[:1]), author=editor)
    outcome = importing.apply_import(result, editor, reason)
    workflow.approve(reviewer, [p.pk for p in outcome.proposals])
    cell = Assessment.objects.get(pk=outcome.proposals[0].assessment_id)
    assert cell.history.latest().history_change_reason == reason.strip()
