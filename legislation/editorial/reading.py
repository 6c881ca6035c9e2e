"""Bounded, streaming readers for uploaded CSV and XLSX files.

An upload is hostile until read: a 4.7 KB XLSX can declare a million-row, 16,384-column sheet,
a 290 KB zip can hold 2 million rows, a 2 MB CSV a million lines. Every reader here stops at
the first limit it meets and raises `ImportFileError` naming that limit; nothing past a limit
is ever held in memory, and no malformed file escapes as anything but `ImportFileError`.

The limits (settings, each with an environment variable) are a few times what a real file
needs: the full import template is about 5,100 rows of 12 columns.
"""

import codecs
import csv
import datetime
import io
import zipfile
import zlib
from xml.etree.ElementTree import ParseError

from django.conf import settings


class ImportFileError(Exception):
    """The file as a whole cannot be read (too large, empty, wrong encoding, wrong columns)."""


def max_rows():
    return settings.IMPORT_MAX_ROWS


def max_columns():
    return settings.IMPORT_MAX_COLUMNS


def _too_many_rows(line):
    return ImportFileError(
        f"Row {line:,}: the file has more than {max_rows():,} rows (IMPORT_MAX_ROWS); the whole "
        "import template has about 5,100. Split it into several files."
    )


def _too_wide(line, width):
    return ImportFileError(
        f"Row {line:,}: {width:,} columns, more than the limit of {max_columns():,} "
        "(IMPORT_MAX_COLUMNS); the import needs 12. Delete the extra columns."
    )


def bounded(rows):
    """Yield (line, values) from `rows`, refusing the file at the first row past a limit."""
    for line, values in rows:
        if line > max_rows():
            raise _too_many_rows(line)
        if len(values) > max_columns():
            raise _too_wide(line, len(values))
        yield line, values


# CSV ----------------------------------------------------------------------------------------


def read_csv(data):
    """[(line, values)]: decoded and split as it is read, stopping at the row limit."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    if b"\x00" in data:
        raise ImportFileError("The file contains NUL bytes: it is not a CSV text file.")
    _check_utf8(data)
    text = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", newline="")
    reader = csv.reader(text, delimiter=_delimiter(data))
    line = 1
    rows = []
    try:
        for values in reader:
            rows.append((line, values))
            if line > max_rows() or len(values) > max_columns():
                break  # bounded() below names the limit
            line = reader.line_num + 1
    except csv.Error as error:
        raise ImportFileError(f"Row {line}: the CSV cannot be read ({error}).") from None
    return list(bounded(rows))


def _check_utf8(data):
    try:
        codecs.getincrementaldecoder("utf-8")().decode(data, final=True)
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ImportFileError(
            f"Row {line}: the file is not UTF-8 text (byte 0x{data[error.start]:02x} cannot "
            "be read). Save it from your spreadsheet as “CSV UTF-8”."
        ) from None


def _delimiter(data):
    """Spreadsheets set to a European locale save "CSV" with semicolons: accept those too,
    judging by the header (the first line that is not a `#` note; only the first 64 KB)."""
    for raw in data[: 64 * 1024].splitlines():
        line = raw.decode("utf-8", "replace")
        if line.strip() and not line.lstrip().lstrip('"').startswith("#"):
            return ";" if line.count(";") > line.count(",") else ","
    return ","


# XLSX ---------------------------------------------------------------------------------------


# What a broken workbook raises from inside openpyxl, zipfile, zlib and the XML parser.
BROKEN_XLSX = (
    zipfile.BadZipFile,
    zlib.error,
    ParseError,
    KeyError,
    IndexError,
    TypeError,
    AttributeError,
    OSError,
    ValueError,
    EOFError,
    SyntaxError,
)


def _member_head_has_dtd(archive, info):
    # A DOCTYPE (and so any entity declaration) must come before the root element, so the
    # first bytes are enough. Office files never carry one; entity tricks always do.
    with archive.open(info) as member:
        head = member.read(2048)
    return b"<!DOCTYPE" in head.upper() or b"<!ENTITY" in head.upper()


def check_archive(data):
    """Refuse a zip whose members would decompress past the limit, before reading any of them
    (the sizes are in the zip's directory; the reader never inflates past them)."""
    limit = settings.IMPORT_MAX_UNCOMPRESSED_BYTES
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as error:
        raise ImportFileError(f"The file is not a readable XLSX workbook ({error}).") from None
    total = sum(info.file_size for info in members)
    if total > limit:
        raise ImportFileError(
            f"The workbook decompresses to {total:,} bytes, more than the limit of {limit:,} "
            "bytes (IMPORT_MAX_UNCOMPRESSED_BYTES). Save it as CSV, or split it."
        )
    for info in members:
        try:
            has_dtd = info.filename.endswith((".xml", ".rels")) and _member_head_has_dtd(
                archive, info
            )
        except BROKEN_XLSX as error:
            raise ImportFileError(
                f"The workbook cannot be read: its part {info.filename} is damaged ({error})."
            ) from None
        if has_dtd:
            raise ImportFileError(
                f"The workbook's part {info.filename} declares a DTD or entities, which no "
                "spreadsheet program writes: it is refused."
            )


def _cell_text(value):
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_xlsx(data):
    """[(line, values)] of the first sheet, streamed, with the sheet's declared size ignored."""
    check_archive(data)
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except BROKEN_XLSX as error:
        raise ImportFileError(f"The file is not a readable XLSX workbook ({error}).") from None
    try:
        if not workbook.worksheets:
            raise ImportFileError("The workbook has no sheet.")
        sheet = workbook.worksheets[0]
        declared = sheet.max_column or 0
        if declared > max_columns():
            raise ImportFileError(
                f"The sheet declares {declared:,} columns ({sheet.calculate_dimension()}), "
                f"more than the limit of {max_columns():,} (IMPORT_MAX_COLUMNS). Copy the "
                "rows into a new sheet, or save it as CSV."
            )
        # The declared dimension would make openpyxl pad every row (and invent empty rows) up
        # to it; forget it and read only the cells that are there.
        sheet.reset_dimensions()
        rows = (
            (line, [_cell_text(v) for v in values])
            for line, values in enumerate(sheet.iter_rows(values_only=True), start=1)
        )
        return list(bounded(rows))
    except BROKEN_XLSX as error:
        raise ImportFileError(
            f"The workbook cannot be read: it is damaged or not made by a spreadsheet program "
            f"({type(error).__name__}: {str(error)[:200]})."
        ) from None
    finally:
        workbook.close()
