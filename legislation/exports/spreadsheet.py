"""Files of exactly what a page shows (CSV, XLSX, JSON), the formula guard that keeps them safe
to open in a spreadsheet, and the one response that sends any file as a download.

Tables open with notes: what was filtered, when it was exported, from which page and which
sources. In CSV and XLSX these are rows whose first cell starts with "#", above the header row,
so the importer can recognise and skip them; in JSON they are the "meta" object beside "rows".
"""

import csv
import io
import json
import re

import openpyxl
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
FORMATS = ("csv", "xlsx", "json")  # the table formats every download page offers
NOTE_MARK = "#"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")

# Text a spreadsheet would run as a formula (OWASP "CSV injection"): =, +, -, @, and tab or
# carriage return, which some spreadsheets strip before looking for those.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
GUARD = "'"


def guard(value):
    """A text cell a spreadsheet shows as text: a leading apostrophe stops formula evaluation.

    Text that already starts with an apostrophe gets one too, so that `unguard` can always
    remove exactly one: `unguard(guard(s)) == s` for every string (tests/test_spreadsheet.py).
    """
    if isinstance(value, str) and value.startswith((*FORMULA_TRIGGERS, GUARD)):
        return GUARD + value
    return value


def unguard(text):
    """The inverse of `guard`, for the importer: drops one leading apostrophe."""
    return text[1:] if text.startswith(GUARD) else text


def note_line(text):
    """One metadata line: no line breaks or quotes that could end it early in a CSV reader."""
    return NOTE_MARK + " " + _CONTROL.sub(" ", str(text)).replace('"', "”").strip()


def meta_lines(meta):
    """The notes as lines: "# filters: region: Europe", …, last the rule for reading them."""
    if not meta:
        return []
    lines = [note_line(meta["title"])]
    for key, value in meta.items():
        if key == "title":
            continue
        if isinstance(value, list | tuple):
            value = "; ".join(str(v) for v in value) or "none"
        lines.append(note_line(f"{key}: {value}"))
    lines.append(note_line("lines starting with # are notes; the header row follows"))
    return lines


def to_csv(header, records, meta=None):
    out = io.StringIO()
    for line in meta_lines(meta):
        out.write(line + "\r\n")
    writer = csv.writer(out)
    writer.writerow([guard(h) for h in header])
    for record in records:
        writer.writerow([guard(v) for v in record])
    # A byte-order mark lets Excel read the UTF-8 symbols and names correctly.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(header, records, meta=None, sheet_title="comparison"):
    """One sheet: the notes, a bold header row frozen in view, the records.

    openpyxl's write-only mode streams rows; a cell-by-cell writer is ~4x slower at thousands
    of rows."""
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(sheet_title[:31])
    notes = meta_lines(meta)
    sheet.freeze_panes = f"A{len(notes) + 2}"
    for line in notes:
        sheet.append([line])
    bold = Font(bold=True)
    heading = []
    for text in header:
        cell = WriteOnlyCell(sheet, value=guard(text))
        cell.font = bold
        heading.append(cell)
    sheet.append(heading)
    for record in records:
        sheet.append([guard(v) for v in record])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def to_json(header, records, meta=None):
    document = {
        "meta": meta or {},
        "columns": list(header),
        "rows": [dict(zip(header, record, strict=True)) for record in records],
    }
    return json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1).encode()


WRITERS = {"csv": to_csv, "xlsx": to_xlsx, "json": to_json}


def download(content, filename):
    """Any file as an attachment; the content type follows the file's extension."""
    extension = filename.rsplit(".", 1)[-1]
    response = HttpResponse(content, content_type=CONTENT_TYPES[extension])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def table_download(export_format, header, records, stem, meta=None, sheet_title="comparison"):
    """A table written in `export_format` (csv, xlsx, json) and sent as `stem.<format>`."""
    if export_format == "xlsx":
        body = to_xlsx(header, records, meta, sheet_title)
    else:
        body = WRITERS[export_format](header, records, meta)
    return download(body, f"{stem}.{export_format}")
