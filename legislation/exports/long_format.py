"""The long row: one country × criterion per row. It is both the comparison page's long
download and the import format (export, edit, import), so it is written and read only here.

- `IMPORT_COLUMNS` are what the import reads; `EXPORT_ONLY_COLUMNS` follow them in a download
  and are accepted, never used, by the import (so is `reviewed_by`, which older downloads had).
- The import template is the export plus `version` (`TEMPLATE_COLUMNS`).
- `to_row` writes one row, `parse` reads one back: `parse(guarded(to_row(...)))` gives the
  cell's values again, whatever text they hold (tests/test_long_format.py).
"""

from legislation.exports.spreadsheet import unguard
from legislation.statuses import Status

IMPORT_COLUMNS = (
    "iso2",
    "country",
    "framework",
    "criterion",
    "status",
    "as_of",
    "as_of_precision",
    "evidence_grade",
    "source",
    "provisions",
    "note",
)
# No reviewer's name: the download is public, so it says "reviewed" and when.
EXPORT_ONLY_COLUMNS = ("source_url", "provision_urls", "reviewed", "reviewed_at")
LONG_COLUMNS = IMPORT_COLUMNS + EXPORT_ONLY_COLUMNS
TEMPLATE_COLUMNS = (*LONG_COLUMNS, "version")
# Read and ignored without a warning: export-only columns and those of older downloads.
ACCEPTED_COLUMNS = (*EXPORT_ONLY_COLUMNS, "version", "reviewed_by")
PROVISION_SEPARATOR = "; "
# Free text kept exactly as written (a note may start with a tab or end with a space); every
# other column is a code or a citation and is read without surrounding blanks.
EXACT_COLUMNS = frozenset({"note"})


def to_row(iso2, country_name, framework_code, criterion_code, cell, *, version=None):
    """One long row for a `matrix.CellSummary` read with detailed=True (None: no record yet)."""
    start = [iso2, country_name, framework_code, criterion_code]
    if cell is None:
        row = [*start, Status.NOT_ASSESSED.value] + [""] * (len(LONG_COLUMNS) - 5)
    else:
        provisions = sorted(cell.provisions)
        row = [
            *start,
            cell.status,
            cell.as_of.isoformat() if cell.as_of else "",
            cell.as_of_precision if cell.as_of else "",
            cell.evidence_grade,
            cell.source,
            PROVISION_SEPARATOR.join(provisions),
            cell.note,
            cell.source_url,
            PROVISION_SEPARATOR.join(cell.provision_urls.get(p, "") for p in provisions),
            "reviewed" if cell.reviewed_at else "",
            cell.reviewed_at.date().isoformat() if cell.reviewed_at else "",
        ]
    if version is not None:
        row.append(version)
    return row


def long_records(matrix, iso2_order, *, with_version=False):
    """(header, rows) of every country × leaf criterion of a detailed summary matrix."""
    by_iso2 = matrix.by_iso2()
    records = []
    for iso2 in iso2_order:
        row = by_iso2[iso2]
        for criterion in matrix.leaves:
            cell = row.cells.get(criterion.code)
            version = (cell.version if cell else "") if with_version else None
            records.append(
                to_row(
                    iso2,
                    row.country.name,
                    matrix.framework.code,
                    criterion.code,
                    cell,
                    version=version,
                )
            )
    return list(TEMPLATE_COLUMNS if with_version else LONG_COLUMNS), records


def parse(raw, columns):
    """{column: text} of one row as read from a file; `columns` maps names to positions.

    Undoes the formula guard the download put in front of text a spreadsheet would run.
    """
    values = {}
    for name, index in columns.items():
        text = unguard(raw[index]) if index < len(raw) else ""
        values[name] = text if name in EXACT_COLUMNS else text.strip()
    return values


def split_provisions(text):
    """The provision citations of a `provisions` cell."""
    return [p.strip() for p in text.split(PROVISION_SEPARATOR.strip()) if p.strip()]
