"""The comparison's rows, columns and export shapes, reshaped from one matrix in plain Python.

Nothing here touches the database: the view builds the matrix once (a fixed number of
queries) and the page, the three export formats, both shapes, the map and the headline
figures all read the same rows, so what is downloaded is exactly what is shown.
"""

import operator
import re
from dataclasses import dataclass

from django.urls import get_script_prefix

from legislation import rules
from legislation.matrix import CellSummary
from legislation.models import Framework, stored_values
from legislation.rules import RollUp
from legislation.site.cache import Remembered, kept_in_memory, piece_key
from legislation.site.palette import colour
from legislation.site.published import TODAY
from legislation.statuses import ASSESSED, Status, Sufficiency, cell_as_of, label

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
    """What one table cell shows: the status and, for an assessed leaf, where it comes from;
    for an article, its roll-up (how many sub-paragraphs are assessed, any gap found)."""

    status: Status
    source_cell: object = None  # the Assessment or CellSummary behind a leaf cell
    rollup: RollUp | None = None

    @property
    def details(self):
        # Worked out only for the rows a page renders, not for every row it sorts.
        if self.rollup is not None:
            return self.rollup.detail
        return cell_details(self.source_cell)

    @property
    def inputs(self):
        """What the cell's words are made from, for a cached piece's key: cheaper to read for
        every row than the words themselves (`details` formats dates and citations)."""
        if self.rollup is not None:
            return (self.status.value, self.rollup)
        if isinstance(self.source_cell, CellSummary):
            return (self.status.value, shown_values(self.source_cell))
        return (self.status.value, self.details)

    @property
    def text(self):
        return self.rollup.text if self.rollup is not None else label(self.status)

    @property
    def export_value(self):
        """The wide download's value: the stored status, with an article's reading."""
        return self.rollup.export_text if self.rollup is not None else self.status.value


# The values of a cell its `details` are made from, as a tuple.
shown_values = operator.attrgetter(
    "as_of", "as_of_precision", "evidence_grade", "source_id", "source"
)


def cell_details(assessment):
    """ "as of 2018 · grade C · WePROTECT GTA 2019": the tooltip and screen-reader text."""
    if assessment is None or assessment.status not in ASSESSED:
        return ""
    parts = []
    if assessment.as_of:
        parts.append("as of " + cell_as_of(assessment))
    if assessment.evidence_grade:
        parts.append("evidence grade " + assessment.evidence_grade)
    if assessment.source_id:
        parts.append("source: " + str(assessment.source))
    return " · ".join(parts)


def sort_key(status, name):
    return (rules.sort_rank(status), name.casefold())


SUFFICIENCY_ORDER = {Sufficiency.YES: 0, Sufficiency.NO: 1, Sufficiency.UNKNOWN: 2}


def table_rows(matrix, columns):
    """One dict per country, in the matrix's order: cells, counts and the keys sorting uses.

    A row of today's matrix is kept by this process under everything it is made from (the
    columns, the country's values and its cells as read, `CountryRow.read`), which is also
    its `row_key`: after a change, only the rows whose cells or country changed are made
    again, and a page finds each row's rendering by that key (`tables.body_rows`). A matrix
    row kept by the page (`build_summary_matrix(kept_rows=…)`) also keeps its record
    (`CountryRow.made`), found without reading its values again. Rows are shared between
    requests: never change one."""
    total = len(matrix.leaves)
    columns_shown = tuple((c.code, c.title, c.is_article) for c in columns)
    # The script prefix: a row holds its country's address.
    shape = (matrix.framework.code, total, columns_shown, get_script_prefix())
    rows = []
    for row in matrix.rows:
        if row.read is None:  # a past moment's row: made each time
            rows.append(_table_row(row, columns, total, None))
            continue
        record = row.made.get(shape)
        if record is None:
            key = (shape, stored_values(row.country), row.read)
            record = row.made[shape] = kept_rows.get(
                key, lambda row=row, key=key: _table_row(row, columns, total, key)
            )
        rows.append(record)
    return rows


# Every country in each of the three column sets (ICMEC, Lanzarote's articles, its
# sub-paragraphs), a few times over: a few megabytes.
kept_rows = kept_in_memory(Remembered(4096))


def _table_row(row, columns, total, key):
    country = row.country
    met, assessed = row.met, row.assessed
    record = {
        "country": country,
        "iso2": country.iso2,
        "name": country.name,
        "region": country.region,
        "subregion": country.subregion,
        "url": country.get_absolute_url(),
        "met": met,
        "assessed": assessed,
        "total": total,
        "sufficient": row.sufficient,
        "fully_assessed": assessed == total,
        "sort_name": country.name.casefold(),
        # Counts sort by the count, then by name, like the status columns.
        "sort_met": (met, country.name.casefold()),
        "sort_assessed": (assessed, country.name.casefold()),
        # Hashed once, when the row is made: pages look rows up by it on every request.
        "row_key": None if key is None else piece_key(key),
    }
    for column in columns:
        status = row.status(column.code)
        if column.is_article:
            record[column.key] = Cell(status, rollup=row.rollup(column.code))
        else:
            record[column.key] = Cell(status, row.cells.get(column.code))
        record["sort_" + column.key] = (rules.sort_rank(status), record["sort_name"])
    suff = record["sufficient"]
    record["sort_sufficient"] = (SUFFICIENCY_ORDER[suff], country.name.casefold())
    return record


def criteria_inputs(matrix):
    """Every stored value of the matrix's framework and criteria."""
    return (
        stored_values(matrix.framework),
        tuple(stored_values(c) for c in matrix.leaves + matrix.articles),
    )


def matrix_inputs(matrix):
    """Everything a comparison built from this matrix can show, as plain values: the key of
    its cached pieces. Every stored value of the framework, criteria and countries, and each
    cell's values as read (status, dates, grade, the source's citation)."""
    criteria = criteria_inputs(matrix)
    if matrix.cells_read is not None:
        # The cells' values as the query read them (the citation and every other shown value
        # is made from them by the code, which is in every piece's key): no per-cell work.
        countries = tuple(stored_values(row.country) for row in matrix.rows)
        return (*criteria, countries, matrix.cells_read)
    leaves = [c.code for c in matrix.leaves]
    return (
        *criteria,
        tuple(
            (
                stored_values(row.country),
                tuple(_cell_values(row.cells.get(code)) for code in leaves),
            )
            for row in matrix.rows
        ),
    )


def _cell_values(cell):
    if cell is None:
        return None
    values = tuple(getattr(cell, name) for name in CELL_VALUES)
    return (*values, tuple(cell.provisions), tuple((cell.provision_urls or {}).items()))


CELL_VALUES = [n for n in CellSummary.__slots__ if n not in ("provisions", "provision_urls")]


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
        values += [row[c.key].export_value for c in columns]
        values += [row["met"], row["assessed"], row["total"]]
        if framework_code == Framework.ICMEC:
            values.append(row["sufficient"].label)
        records.append(values)
    return header, records


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


def status_map_data(pairs, keep=TODAY.keep):
    """Shades and countries for `render_world_map` from (country, status) pairs; `keep` is the
    page's `PublishedOn.keep`, so the country links stay on the date shown."""
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
                keep(country.get_absolute_url()),
            )
    shades = [
        MapShade(key_of[s], f"{label(s)} ({tally[s]})", *STATUS_SHADES[s])
        for s in rules.STATUS_ORDER
    ]
    return shades, countries


def met_buckets(total):
    """Legend steps for "criteria met": one per count up to 6 criteria, else four bands."""
    if total <= 5:
        return [(n, n) for n in range(total + 1)]
    half = total // 2
    return [(0, 0), (1, half), (half + 1, total - 1), (total, total)]


PARTLY_ASSESSED_SHADE = (colour("map-partly"), "dots")


def met_map_data(rows, total, keep=TODAY.keep):
    """Shades and countries coloured by the number of criteria met.

    Only fully assessed countries get a count colour: "met 1 of 5" with four criteria unknown
    would read as a poor law when it only means an unread one. Partly assessed and unassessed
    countries have shades of their own. `keep` is the page's `PublishedOn.keep`.
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
            countries[map_key(country)] = (key, text, keep(row["url"]))
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
