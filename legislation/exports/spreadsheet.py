"""Files of exactly what a page shows (CSV, XLSX, JSON), the formula guard that keeps them safe
to open in a spreadsheet, and the one response that sends any file as a download.

Tables open with notes: what was filtered, when it was exported, from which page and which
sources. In CSV these are rows whose first cell starts with "#", above the header row, so the
importer can recognise and skip them; in XLSX they are on a sheet of their own, "About", after
the data sheet; in JSON they are the "meta" object beside "rows".
"""

import csv
import datetime
import io
import json
import re

import openpyxl
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

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


# Columns holding dates or times: written as real date cells, so a spreadsheet sorts and
# filters them as dates (the importer reads a date cell back as the same ISO text).
DATE_COLUMNS = {"as_of", "reviewed_at"}
MAX_COLUMN_WIDTH = 60


def xlsx_value(column, value):
    if column in DATE_COLUMNS and isinstance(value, str) and value:
        try:
            moment = datetime.datetime.fromisoformat(value)
        except ValueError:
            return guard(value)
        if moment.tzinfo is not None:  # XLSX has no time zones: UTC, as the About sheet says
            moment = moment.astimezone(datetime.UTC).replace(tzinfo=None)
        return moment.date() if len(value) == 10 else moment
    return guard(value)


def to_xlsx(header, records, meta=None, sheet_title="comparison"):
    """The data sheet first (header in row 1, bold and frozen with the country column,
    an autofilter, widths to fit), then an "About" sheet with the notes.

    openpyxl's write-only mode streams rows; a cell-by-cell writer is ~4x slower at thousands
    of rows."""
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(sheet_title[:31])
    widths = [len(str(h)) for h in header]
    rows = []
    for record in records:
        row = [xlsx_value(c, v) for c, v in zip(header, record, strict=True)]
        for index, value in enumerate(row):
            widths[index] = max(widths[index], len(str(value)) if value is not None else 0)
        rows.append(row)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(width + 2, MAX_COLUMN_WIDTH)
    # Where the country name is the second column (after iso2), both stay in view.
    sheet.freeze_panes = "C2" if list(header[1:2]) == ["country"] else "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{len(records) + 1}"
    bold = Font(bold=True)
    title_cells = []
    for text in header:
        cell = WriteOnlyCell(sheet, value=guard(text))
        cell.font = bold
        title_cells.append(cell)
    sheet.append(title_cells)
    date_style = {"as_of": "yyyy-mm-dd", "reviewed_at": "yyyy-mm-dd hh:mm"}
    date_indexes = [(i, date_style[c]) for i, c in enumerate(header) if c in date_style]
    for row in rows:
        for index, number_format in date_indexes:
            if isinstance(row[index], datetime.date):
                cell = WriteOnlyCell(sheet, value=row[index])
                cell.number_format = number_format
                row[index] = cell
        sheet.append(row)
    notes = meta_lines(meta)
    if notes:
        about = book.create_sheet("About")
        about.column_dimensions["A"].width = 110
        for line in notes:
            about.append([line.removeprefix(NOTE_MARK + " ")])
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
