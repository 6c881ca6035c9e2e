"""The comparison's rows, columns and export shapes, reshaped from one matrix in plain Python.

Nothing here touches the database: the view builds the matrix once (a fixed number of
queries) and the page, the three export formats, both shapes, the map and the headline
figures all read the same rows, so what is downloaded is exactly what is shown.
"""

import re
from dataclasses import dataclass

from legislation.matrix import ICMEC_SUFFICIENT_AT
from legislation.models import Framework
from legislation.site.palette import colour
from legislation.statuses import ASSESSED, IN_ORDER, SORT_ORDER, Status, label

# The long shape is also the import format (issue 5): export, edit, import. Keep the order.
# The import reads IMPORT_COLUMNS and accepts, without using, the export-only ones after them.
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
EXPORT_ONLY_COLUMNS = ("source_url", "provision_urls", "reviewed_by", "reviewed_at")
LONG_COLUMNS = IMPORT_COLUMNS + EXPORT_ONLY_COLUMNS

# Values that a spreadsheet would run as a formula (OWASP "CSV injection"): =, +, -, @, and
# tab/carriage return which some spreadsheets strip before looking for those.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert(value):
    """A text cell a spreadsheet shows as text: a leading apostrophe stops formula evaluation.

    The importer (issue 5) removes one apostrophe in front of these characters again.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


WORDY_START = re.compile(r"^(Offences concerning|Offence of|Offences of)\s+(the\s+)?", re.I)


def short_title(title):
    """A few words for a column heading: "Offences concerning child prostitution" reads
    "Child prostitution", and a parenthesis is left to the full name."""
    text = WORDY_START.sub("", title)
    text = re.sub(r"\s*\([^)]*\)", "", text).strip()
    return text[:1].upper() + text[1:]


@dataclass(frozen=True)
class StatusColumn:
    """One status column: a leaf criterion or (Lanzarote without detail) a whole article."""

    code: str
    title: str
    is_article: bool

    @property
    def short(self):
        return short_title(self.title)

    @property
    def full_name(self):
        """The heading's accessible name: code and full title."""
        return f"{self.code}: {self.title}"

    @property
    def key(self):
        # django-tables2 reads "." as an accessor separator, so column names avoid it.
        return "c_" + self.code.replace(".", "_")


def status_columns(matrix, *, detail=False):
    """The status columns the table shows: ICMEC's five, Lanzarote's articles or sub-paragraphs."""
    if matrix.framework.code == Framework.LANZAROTE and not detail:
        return [StatusColumn(a.code, a.title, True) for a in matrix.articles]
    return [StatusColumn(c.code, c.title, False) for c in matrix.leaves]


@dataclass(frozen=True, slots=True)
class Cell:
    """What one table cell shows: the status and, for an assessed leaf, where it comes from."""

    status: Status
    source_cell: object = None  # the Assessment or CellSummary behind a leaf cell

    @property
    def details(self):
        # Worked out only for the rows a page renders, not for every row it sorts.
        return cell_details(self.source_cell)

    @property
    def text(self):
        return label(self.status)


def cell_details(assessment):
    """ "as of 2018 · grade C · WePROTECT GTA 2019": the tooltip and screen-reader text."""
    if assessment is None or assessment.status not in ASSESSED:
        return ""
    parts = []
    if assessment.as_of:
        parts.append("as of " + format_as_of(assessment))
    if assessment.evidence_grade:
        parts.append("evidence grade " + assessment.evidence_grade)
    if assessment.source_id:
        parts.append("source: " + str(assessment.source))
    return " · ".join(parts)


def format_as_of(assessment):
    if assessment.as_of is None:
        return ""
    precision = assessment.as_of_precision
    if precision == "year":
        return f"{assessment.as_of:%Y}"
    if precision == "month":
        return f"{assessment.as_of:%Y-%m}"
    return assessment.as_of.isoformat()


def counts(row, total):
    """met and assessed among the framework's leaves; a missing cell is not assessed."""
    met = assessed = 0
    for cell in row.cells.values():
        if cell.status == Status.MET:
            met += 1
        if cell.status in ASSESSED:
            assessed += 1
    return met, assessed


def sufficient(met, assessed, total):
    """ICMEC's flag: True, False, or None while unassessed cells could still tip it."""
    if met >= ICMEC_SUFFICIENT_AT:
        return True
    if met + (total - assessed) < ICMEC_SUFFICIENT_AT:
        return False
    return None


def sort_key(status, name):
    return (SORT_ORDER[Status(status)], name.casefold())


def table_rows(matrix, columns):
    """One dict per country, in the matrix's order: cells, counts and the keys sorting uses."""
    total = len(matrix.leaves)
    rows = []
    for row in matrix.rows:
        country = row.country
        met, assessed = counts(row, total)
        record = {
            "country": country,
            "iso2": country.iso2,
            "name": country.name,
            "region": country.region,
            "subregion": country.subregion,
            "met": met,
            "assessed": assessed,
            "total": total,
            "sufficient": sufficient(met, assessed, total),
            "fully_assessed": assessed == total,
            "sort_name": country.name.casefold(),
            # Counts sort by the count, then by name, like the status columns.
            "sort_met": (met, country.name.casefold()),
            "sort_assessed": (assessed, country.name.casefold()),
        }
        for column in columns:
            status = row.status(column.code)
            source_cell = None if column.is_article else row.cells.get(column.code)
            record[column.key] = Cell(status, source_cell)
            record["sort_" + column.key] = (SORT_ORDER[status], record["sort_name"])
        suff = record["sufficient"]
        record["sort_sufficient"] = ({True: 0, False: 1, None: 2}[suff], country.name.casefold())
        rows.append(record)
    return rows


def sufficient_text(value):
    return {True: "yes", False: "no", None: "not yet known"}[value]


def wide_records(rows, columns, framework_code):
    """One record per country, one column per criterion code (status as the stored value)."""
    header = ["iso2", "country", "region", "subregion"]
    header += [c.code for c in columns]
    header += ["met", "assessed", "of"]
    if framework_code == Framework.ICMEC:
        header.append("sufficient")
    records = []
    for row in rows:
        values = [row["iso2"], row["name"], row["region"], row["subregion"]]
        values += [row[c.key].status.value for c in columns]
        values += [row["met"], row["assessed"], row["total"]]
        if framework_code == Framework.ICMEC:
            values.append(sufficient_text(row["sufficient"]))
        records.append(values)
    return header, records


def long_records(matrix, iso2_order):
    """One record per country × leaf criterion, in LONG_COLUMNS order (the import format).

    Reads the `CellSummary` cells of `build_summary_matrix(..., detailed=True)`.
    """
    by_iso2 = matrix.by_iso2()
    records = []
    for iso2 in iso2_order:
        row = by_iso2[iso2]
        for criterion in matrix.leaves:
            cell = row.cells.get(criterion.code)
            if cell is None:
                records.append(
                    [iso2, row.country.name, matrix.framework.code, criterion.code]
                    + [Status.NOT_ASSESSED.value]
                    + [""] * (len(LONG_COLUMNS) - 5)
                )
                continue
            records.append(
                [
                    iso2,
                    row.country.name,
                    matrix.framework.code,
                    criterion.code,
                    cell.status,
                    cell.as_of.isoformat() if cell.as_of else "",
                    cell.as_of_precision if cell.as_of else "",
                    cell.evidence_grade,
                    cell.source,
                    "; ".join(sorted(cell.provisions)),
                    cell.note,
                    cell.source_url,
                    "; ".join(cell.provision_urls.get(p, "") for p in sorted(cell.provisions)),
                    cell.reviewed_by,
                    cell.reviewed_at.isoformat() if cell.reviewed_at else "",
                ]
            )
    return list(LONG_COLUMNS), records


# The world map: shades that differ in lightness and texture as well as hue, so the map and
# its legend read in greyscale; the legend repeats every shade in words.
# Colours come from tokens.css. "Not assessed" is a pale, untextured shade that recedes, so
# the assessed countries stand out; it is still lighter than the grey of "no data".
STATUS_SHADES = {
    Status.MET: (colour("map-met"), "none"),
    Status.PARTIAL: (colour("map-partial"), "none"),
    Status.RESERVED: (colour("map-reserved"), "cross"),
    Status.NOT_MET: (colour("map-not-met"), "hatch"),
    Status.NOT_ASSESSED: (colour("map-not-assessed"), "none"),
}
MET_SHADES = tuple(colour(f"map-met-{n}") for n in range(6))


def map_key(country):
    """The world map's key for a country: ISO numeric, or "XK" for Kosovo (no ISO code)."""
    return country.iso_numeric or ("XK" if country.iso2 == "XK" else "")


def status_map_data(pairs):
    """Shades and countries for `render_world_map` from (country, status) pairs."""
    from legislation.site.maps import MapShade

    key_of = {s: s.value.replace("_", "-") for s in Status}
    tally = dict.fromkeys(Status, 0)
    countries = {}
    for country, status in pairs:
        status = Status(status)
        tally[status] += 1
        if map_key(country):
            countries[map_key(country)] = (
                key_of[status],
                f"{country.name}: {status.label}",
                country.get_absolute_url(),
            )
    shades = [MapShade(key_of[s], f"{label(s)} ({tally[s]})", *STATUS_SHADES[s]) for s in IN_ORDER]
    return shades, countries


def met_buckets(total):
    """Legend steps for "criteria met": one per count up to 6 criteria, else four bands."""
    if total <= 5:
        return [(n, n) for n in range(total + 1)]
    half = total // 2
    return [(0, 0), (1, half), (half + 1, total - 1), (total, total)]


PARTLY_ASSESSED_SHADE = (colour("map-partly"), "dots")


def met_map_data(rows, total):
    """Shades and countries coloured by the number of criteria met.

    Only fully assessed countries get a count colour: "met 1 of 5" with four criteria unknown
    would read as a poor law when it only means an unread one. Partly assessed and unassessed
    countries have shades of their own.
    """
    from legislation.site.maps import MapShade

    buckets = met_buckets(total)
    tally = [0] * len(buckets)
    partly = unknown = 0
    countries = {}
    for row in rows:
        country = row["country"]
        if row["assessed"] == 0:
            unknown += 1
            key, text = "not-assessed", f"{country.name}: not assessed"
        elif row["assessed"] < total:
            partly += 1
            key = "partly"
            text = (
                f"{country.name}: partly assessed, met {row['met']} of {total} "
                f"(assessed {row['assessed']} of {total})"
            )
        else:
            index = next(i for i, (lo, hi) in enumerate(buckets) if lo <= row["met"] <= hi)
            tally[index] += 1
            key = f"n{index}"
            text = f"{country.name}: met {row['met']} of {total}"
        if map_key(country):
            countries[map_key(country)] = (key, text, country.get_absolute_url())
    colours = MET_SHADES if len(buckets) == len(MET_SHADES) else MET_SHADES[::2] + MET_SHADES[-1:]
    shades = []
    for index, (lo, hi) in enumerate(buckets):
        span = f"{lo}" if lo == hi else f"{lo}–{hi}"
        pattern = "hatch" if hi == 0 else "none"
        shades.append(
            MapShade(
                f"n{index}",
                f"met {span} of {total}, fully assessed ({tally[index]})",
                colours[index],
                pattern,
            )
        )
    shades.append(MapShade("partly", f"partly assessed ({partly})", *PARTLY_ASSESSED_SHADE))
    fill, pattern = STATUS_SHADES[Status.NOT_ASSESSED]
    unknown_label = f"{label(Status.NOT_ASSESSED)} ({unknown})"
    shades.append(MapShade("not-assessed", unknown_label, fill, pattern))
    return shades, countries
