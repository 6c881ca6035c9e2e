"""CSV, XLSX and JSON files of exactly what a page shows, with a note of where it comes from.

Every file opens with notes: what was filtered, when it was exported, from which page and
which sources. In CSV and XLSX these are rows whose first cell starts with "#", above the
header row, so an importer can recognise and skip them (issue 5's importer does); in JSON
they are the "meta" object beside "rows".

Spreadsheet cells never start with =, +, -, @ (or tab/CR): `comparison.inert` puts an
apostrophe in front, so a note typed as "=HYPERLINK(...)" is shown, never run.
"""

import csv
import io
import json
import re

import openpyxl
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse

from legislation.site.comparison import inert

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}
NOTE_MARK = "#"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def note_line(text):
    """One metadata line: no line breaks or quotes that could end it early in a CSV reader."""
    return NOTE_MARK + " " + _CONTROL.sub(" ", str(text)).replace('"', "”").strip()


def meta_lines(meta):
    """The notes as lines: "# filters: region: Europe", …, last the rule for reading them."""
    lines = [note_line(meta["title"])]
    for key, value in meta.items():
        if key == "title":
            continue
        if isinstance(value, list | tuple):
            value = "; ".join(str(v) for v in value) or "none"
        lines.append(note_line(f"{key}: {value}"))
    lines.append(note_line("lines starting with # are notes; the header row follows"))
    return lines


def to_csv(header, records, meta):
    out = io.StringIO()
    for line in meta_lines(meta):
        out.write(line + "\r\n")
    writer = csv.writer(out)
    writer.writerow(header)
    for record in records:
        writer.writerow([inert(v) for v in record])
    # A byte-order mark lets Excel read the UTF-8 symbols and names correctly.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(header, records, meta):
    # openpyxl's write-only mode streams rows; tablib's cell-by-cell writer is ~4x slower
    # at thousands of rows.
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("comparison")
    for line in meta_lines(meta):
        sheet.append([line])
    sheet.append(header)
    for record in records:
        sheet.append([inert(v) for v in record])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def to_json(header, records, meta):
    document = {
        "meta": meta,
        "columns": header,
        "rows": [dict(zip(header, record, strict=True)) for record in records],
    }
    return json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1).encode()


WRITERS = {"csv": to_csv, "xlsx": to_xlsx, "json": to_json}


def export_response(export_format, header, records, meta, filename):
    body = WRITERS[export_format](header, records, meta)
    response = HttpResponse(body, content_type=FORMATS[export_format])
    response["Content-Disposition"] = f'attachment; filename="{filename}.{export_format}"'
    return response
