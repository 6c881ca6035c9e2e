"""The countries × criteria matrix, built from one query and reshaped here in plain Python.

Pages, exports and reports take their cells from `build_matrix`, so their query count stays
constant however many countries they show. What the cells add up to (article roll-up,
sufficiency, counts) is decided by `rules.py`.
"""

import functools
import operator
from dataclasses import dataclass, field

from django.db.models import Prefetch

from legislation import history, rules
from legislation.models import (
    Assessment,
    CellsVersion,
    Criterion,
    Framework,
    Provision,
    citation_of_provision,
    citation_of_source,
    stored_values,
)
from legislation.statuses import as_status


@dataclass
class CountryRow:
    country: object
    cells: dict = field(default_factory=dict)  # criterion code → Assessment
    articles: dict = field(default_factory=dict)  # article code → rules.RollUp
    total: int = 0  # leaf criteria of the framework; a missing cell is not assessed
    # build_summary_matrix, today: its cells' values as read, by criterion. With the country's
    # values, all its row shows is made from: the key under which pages keep what they made.
    read: tuple | None = None
    # With `kept_rows`: the key it is kept under (its country's id and cells version).
    kept_as: tuple | None = field(default=None, compare=False, repr=False)
    # What pages made from this row, by what for (see `comparison.table_rows`): a row kept by
    # a page (`kept_rows`) is not made again, nor is what the page makes from it.
    made: dict = field(default_factory=dict, compare=False, repr=False)

    def status(self, code):
        """A leaf's status, or an article's rolled-up status."""
        if code in self.articles:
            return self.articles[code].status
        return rules.cell_status(self.cells.get(code))

    def rollup(self, code):
        """An article's `rules.RollUp` (None for a leaf)."""
        return self.articles.get(code)

    @functools.cached_property
    def _counts(self):
        # Read once the row is built (pages read met, assessed and sufficiency per row), never
        # while its cells are being filled.
        return rules.count_met_assessed(as_status(c.status) for c in self.cells.values())

    @property
    def met(self):
        return self._counts[0]

    @property
    def assessed(self):
        return self._counts[1]

    @property
    def fully_assessed(self):
        return self.assessed == self.total

    @property
    def sufficient(self):
        return rules.sufficiency(self.met, self.assessed, self.total)


@dataclass
class Matrix:
    framework: Framework
    leaves: list  # leaf criteria in display order
    articles: list  # article nodes (Lanzarote), in display order
    rows: list  # CountryRow, in the order of the countries given
    # build_summary_matrix: every cell's values as read (id, country, criterion, status, …)
    cells_read: tuple | None = None

    def by_iso2(self):
        return {row.country.iso2: row for row in self.rows}


def _roll_up_articles(rows, leaves, articles):
    children = {}
    for leaf in leaves:
        if leaf.parent_id:
            children.setdefault(leaf.parent_id, []).append(leaf.code)
    for row in rows:
        row.total = len(leaves)
        for article in articles:
            row.articles[article.code] = rules.roll_up(
                row.status(code) for code in children.get(article.pk, [])
            )


def build_matrix(countries, framework_code, *, with_provisions=True, at=None):
    """All leaf cells of one framework for the given countries: a fixed number of queries.
    With `at` (a moment), the cells as they were public then, from the history."""
    framework = Framework.objects.get(code=framework_code)
    criteria = list(Criterion.objects.filter(framework=framework).select_related("parent"))
    leaves = [c for c in criteria if c.is_leaf]
    articles = [c for c in criteria if not c.is_leaf]
    countries = list(countries)
    rows = {country.pk: CountryRow(country) for country in countries}
    if at is not None:
        cells = history.cells_at(
            at,
            criteria={c.pk: c for c in criteria},
            countries={c.pk: c for c in countries},
            country_id__in=[c.pk for c in countries],
            criterion__framework=framework,
        )
        for cell in cells:
            rows[cell.country_id].cells[cell.criterion.code] = cell
        _roll_up_articles(rows.values(), leaves, articles)
        return Matrix(framework, leaves, articles, [rows[c.pk] for c in countries])

    cells = Assessment.objects.filter(
        country__in=[c.pk for c in countries], criterion__framework=framework
    ).select_related("source", "criterion")
    if with_provisions:
        # A join, not a second prefetch: prefetching instruments separately builds one OR
        # term per instrument, which SQLite refuses past about a thousand of them.
        cells = cells.prefetch_related(
            Prefetch("provisions", queryset=Provision.objects.select_related("instrument"))
        )
    for cell in cells:
        rows[cell.country_id].cells[cell.criterion.code] = cell

    _roll_up_articles(rows.values(), leaves, articles)
    return Matrix(framework, leaves, articles, [rows[c.pk] for c in countries])


@dataclass(slots=True)
class CellSummary:
    """What pages and downloads show of a cell, read without model instances."""

    status: str
    as_of: object
    as_of_precision: str
    evidence_grade: str
    source_id: int | None
    source: str  # Source.citation(): "title, page" or "title"
    # Read only with detailed=True (the long download):
    note: str = ""
    source_url: str = ""
    reviewed_at: object = None
    version: int = 0  # the cell's version, for the import template
    # Provision.citation(), "Instrument (year), reference": the form the import matches.
    # Read only with detailed=True, which gives each cell its own list and dict; otherwise
    # none (a new list and dict per cell would cost more than the rest of the cell).
    provisions: list | tuple = ()
    provision_urls: dict | None = None  # provision text → its link


def _summaries_at(at, matrix, detailed):
    """`build_matrix(at=...)` cells reshaped as the `CellSummary` rows of a summary matrix."""
    for row in matrix.rows:
        for code, cell in row.cells.items():
            source = cell.source if cell.source_id else None
            summary = CellSummary(
                cell.status,
                cell.as_of,
                cell.as_of_precision,
                cell.evidence_grade,
                cell.source_id,
                source.citation() if source else "",
            )
            if detailed:
                summary.provisions, summary.provision_urls = [], {}
                summary.note = cell.note
                summary.source_url = source.url if source else ""
                summary.reviewed_at = cell.reviewed_at
                summary.version = cell.version
                for provision in cell.provisions.all():
                    summary.provisions.append(provision.citation())
                    if provision.url:
                        summary.provision_urls[provision.citation()] = provision.url
            row.cells[code] = summary
    return matrix


# Up to this many countries, the cells are read for those countries only; past it, every cell
# of the framework is read and the others dropped here: a list of a few hundred ids costs the
# database more (planning it) than the few hundred cells it would leave out.
FEW_COUNTRIES = 60


def build_summary_matrix(
    countries, framework_code, *, detailed=False, at=None, criteria=None, kept_rows=None
):
    """Like `build_matrix`, but cells are `CellSummary` rows read with `values_list`.

    The same fixed number of queries (one more for provisions when `detailed`), and several
    times faster for thousands of cells, so pages, figures and downloads use it. With `at`,
    the cells as they were public at that moment (a fixed number of queries too).
    `criteria`: every criterion in display order with its framework, already read (the
    comparison's filter form reads them): two queries fewer.
    `kept_rows`: a dict in which rows made before are kept under their country's id and its
    cells version (`CellsVersion`), for a caller that builds the matrix again and again with
    the same criteria (a page): only the cells of countries whose cells (or the sources they
    cite) changed are read, and only their rows made again, with the rows of countries whose
    own values changed. Rows are then shared: never change one.
    """
    if at is not None:
        return _summaries_at(at, build_matrix(countries, framework_code, at=at), detailed)
    criteria = [c for c in criteria or () if c.framework.code == framework_code]
    if criteria:
        framework = criteria[0].framework
    else:
        framework = Framework.objects.get(code=framework_code)
        criteria = list(Criterion.objects.filter(framework=framework).select_related("parent"))
    leaves = [c for c in criteria if c.is_leaf]
    articles = [c for c in criteria if not c.is_leaf]
    code_of = {c.pk: c.code for c in criteria}
    countries = list(countries)
    country_ids = [c.pk for c in countries]
    fields = [
        "id",
        "country_id",
        "criterion_id",
        "status",
        "as_of",
        "as_of_precision",
        "evidence_grade",
        "source_id",
        "source__title",
        "source__page",
    ]
    if detailed:
        # No reviewer's name: the long download is public ("reviewed" and the date only).
        fields += ["note", "source__url", "reviewed_at", "version"]
    if not detailed:
        kept = {}
        if kept_rows is not None:
            # Only the cells of countries whose cells changed since their row was kept (the
            # rows found now: another thread may drop some from `kept_rows` meanwhile).
            numbers = CellsVersion.numbers_of(country_ids, few=FEW_COUNTRIES)
            for country in countries:
                key = (country.pk, numbers[country.pk])
                row = kept_rows.get(key)
                if row is not None and not _same_country(row.country, country):
                    row = None  # the country itself has changed since: made again
                kept[country.pk] = (key, row)
            country_ids = [pk for pk in country_ids if kept[pk][1] is None]
        read = _read_cells(code_of, country_ids, fields) if country_ids else []
        return _summary_matrix(
            framework, leaves, articles, countries, read, code_of, kept_rows, kept
        )
    read = _read_cells(code_of, country_ids, fields)
    rows = {country.pk: CountryRow(country) for country in countries}
    by_id = {}
    for values in read:
        cell = by_id[values[0]] = _cell_summary(values)
        cell.note, cell.source_url, cell.reviewed_at, cell.version = values[10:]
        cell.provisions, cell.provision_urls = [], {}
        cell.source_url = cell.source_url or ""
        rows[values[1]].cells[code_of[values[2]]] = cell
    links = Assessment.provisions.through.objects.filter(
        assessment__country__in=country_ids, assessment__criterion__framework=framework
    ).values_list(
        "assessment_id",
        "provision__reference",
        "provision__url",
        "provision__instrument__title",
        "provision__instrument__year",
    )
    for assessment_id, reference, url, title, year in links.order_by():
        text = citation_of_provision(title, year, reference)
        by_id[assessment_id].provisions.append(text)
        if url:
            by_id[assessment_id].provision_urls[text] = url

    _roll_up_articles(rows.values(), leaves, articles)
    return Matrix(framework, leaves, articles, [rows[c.pk] for c in countries])


def _same_country(kept, read):
    """Whether a kept row's country is the country read now: the same object while nothing
    but cells changes (pages keep their countries), else the same stored values."""
    return kept is read or stored_values(kept) == stored_values(read)


def _read_cells(code_of, country_ids, fields):
    """`fields` of the cells of these countries and criteria (`code_of`'s keys)."""
    cells = Assessment.objects.filter(criterion__in=list(code_of))
    if len(country_ids) <= FEW_COUNTRIES:
        cells = cells.filter(country__in=country_ids)
    shown = set(country_ids)
    return [v for v in cells.order_by().values_list(*fields) if v[1] in shown]


KEPT_ROWS_SPARE = 500  # kept rows beyond twice a matrix's before the old ones are dropped


def _cell_summary(values):
    """A CellSummary from the first ten values `build_summary_matrix` reads."""
    _, _, _, status, as_of, precision, grade, source_id, title, page = values[:10]
    source = citation_of_source(title, page) if source_id else ""
    return CellSummary(status, as_of, precision, grade, source_id, source)


def _summary_matrix(framework, leaves, articles, countries, read, code_of, kept_rows, kept):
    """The summary matrix's rows from the cells as read, each with its cells' values as read
    (`CountryRow.read`, in criterion order): what it shows, for a cache key. With `kept_rows`,
    `kept` maps each country's id to its key there and the row found under it (or None):
    a row found is reused, and `read` holds the cells of the other countries only."""
    read_by_row = {}
    for values in read:
        read_by_row.setdefault(values[1], []).append(values)
    rows = []
    for country in countries:
        key, row = kept.get(country.pk, (None, None))
        if row is None:
            cells = tuple(sorted(read_by_row.get(country.pk, ()), key=operator.itemgetter(2)))
            row = CountryRow(country, read=cells, kept_as=key)
            for values in cells:
                row.cells[code_of[values[2]]] = _cell_summary(values)
            _roll_up_articles([row], leaves, articles)
            if kept_rows is not None:
                kept_rows[key] = row
        rows.append(row)
    if kept_rows is not None and len(kept_rows) > 2 * len(rows) + KEPT_ROWS_SPARE:
        # Rows of cells that have changed since pile up: keep this matrix's only (another
        # set of countries makes its rows again once). A snapshot of the keys: another
        # thread of this process may be adding rows.
        used = {row.kept_as for row in rows}
        for key in list(kept_rows):
            if key not in used:
                kept_rows.pop(key, None)
    matrix = Matrix(framework, leaves, articles, rows)
    # The cells exactly as read, in a fixed order: what they show, for a cache key.
    matrix.cells_read = tuple(row.read for row in rows)
    return matrix
