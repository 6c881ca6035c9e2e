"""The comparison table: one row per country, one status column per criterion or article.

Rows are plain dicts from `comparison.table_rows`; sorting happens on keys those rows carry
(status order, then name), so a sort never puts "not assessed" among the gaps.
"""

import copy
import functools

import django_tables2 as tables
from django.utils.html import format_html, format_html_join

from legislation.models import Framework
from legislation.site import cache as datacache
from legislation.site.published import TODAY
from legislation.statuses import Status, css_class, symbol


class ShallowCopiedColumn(tables.Column):
    """django-tables2 copies a table class's columns for every table it makes, so that one
    table's changes to a column never reach another's. It only ever sets a column's own
    attributes (never changes its dictionaries), so a shallow copy keeps tables apart as well
    as a deep one, which copies a few hundred nested values and cost more than the rows."""

    def __deepcopy__(self, memo):
        return copy.copy(self)


class CountryColumn(ShallowCopiedColumn):
    """The country's name linking to its profile; `keep` keeps the page's date on the link."""

    def __init__(self, *args, keep=TODAY.keep, **kwargs):
        self.keep = keep
        super().__init__(*args, **kwargs)

    def cell_html(self, record):
        return format_html('<th scope="row">{}</th>', self.render(record))

    def render(self, record):
        return format_html(
            '<a href="{}">{}</a> <span class="code">{}</span>',
            self.keep(record["url"]),
            record["name"],
            record["iso2"],
        )

    def inputs(self, record):
        # The address is made from the code (the URLs are part of the code's fingerprint).
        return (record["iso2"], record["name"])

    def value(self, record):
        return record["name"]


class StatusColumn(ShallowCopiedColumn):
    """Symbol and word, plus as-of, evidence grade and source for the tooltip and screen readers.

    The heading shows the code and a few words; its accessible name is the code and the full
    title. Each cell carries its column's name in `data-label`, which the phone layout shows
    beside the status when every country becomes a card.
    """

    def __init__(self, spec, **kwargs):
        self.spec = spec
        super().__init__(
            accessor=spec.key,
            verbose_name=spec.code,
            order_by=("sort_" + spec.key,),
            attrs={"th": {"title": spec.title, "class": "criterion-col"}, "td": {"class": "cell"}},
            **kwargs,
        )
        self.plain_cells = {status: self._td(self._render(status, "")) for status in Status}
        self.spec_values = (spec.code, spec.title, spec.is_article)

    def header(self):
        return format_html(
            '<span aria-hidden="true"><span class="col-code">{}</span> '
            '<span class="col-name">{}</span></span><span class="visually-hidden">{}</span>',
            self.spec.code,
            self.spec.short,
            self.spec.full_name,
        )

    def _td(self, html):
        return format_html(
            '<td class="cell" data-label="{} {}">{}</td>', self.spec.code, self.spec.short, html
        )

    def inputs(self, record):
        # Plain values, not the spec itself: a few hundred rows hash these on every request.
        return (self.spec_values, record[self.spec.key].inputs)

    def cell_html(self, record):
        value = record[self.spec.key]
        details = value.details
        if not details:
            return self.plain_cells[value.status]  # most cells: built once per status
        return self._td(self.render(value))

    def render(self, value):
        if value.rollup is not None and value.details:
            # How much of the article is known is shown, not only told to screen readers.
            return format_html(
                '{}<br><small class="rollup-detail">{}</small>',
                self._render(value.status, ""),
                value.details,
            )
        return self._render(value.status, value.details)

    @staticmethod
    def _render(status, details):
        if details:
            return format_html(
                '<span class="status {}" title="{}"><span aria-hidden="true">{}</span> {}</span>'
                '<span class="visually-hidden">, {}</span>',
                css_class(status),
                details,
                symbol(status),
                status.label,
                details,
            )
        return format_html(
            '<span class="status {}"><span aria-hidden="true">{}</span> {}</span>',
            css_class(status),
            symbol(status),
            status.label,
        )

    def value(self, value):
        return value.export_value


class CountOfColumn(ShallowCopiedColumn):
    """ "met 3 of 5": a count always carries what it is out of, and "met" always carries how
    many were assessed, so "met 0 of 5" can never be read as five gaps."""

    def __init__(self, word, **kwargs):
        self.word = word
        super().__init__(**kwargs)

    def inputs(self, record):
        return (self.word, str(self.verbose_name), record[self.accessor], record["total"],
                record["assessed"])  # fmt: skip

    def cell_html(self, record):
        return format_html(
            '<td class="count" data-label="{}"><span>{}</span></td>',
            self.verbose_name,
            self.render(record[self.accessor], record),
        )

    def render(self, value, record):
        if self.word != "met":
            return f"{self.word}: {value} of {record['total']}"
        return format_html(
            '{}<span class="count-assessed"> (assessed: {} of {})</span>',
            f"met {value} of {record['total']}",
            record["assessed"],
            record["total"],
        )

    def value(self, value):
        return value


class SufficientColumn(ShallowCopiedColumn):
    # Every value has words ("not yet known" too); no empty-value dash.
    empty_values = ()

    def inputs(self, record):
        return (str(self.verbose_name), record["sufficient"].label)

    def cell_html(self, record):
        return format_html(
            '<td data-label="{}">{}</td>', self.verbose_name, self.render(record["sufficient"])
        )

    def render(self, value):
        return value.label


class TextColumn(ShallowCopiedColumn):
    def inputs(self, record):
        return (str(self.verbose_name), record[self.accessor])

    def cell_html(self, record):
        return format_html('<td data-label="{}">{}</td>', self.verbose_name, record[self.accessor])


ROWS_WORTH_SHARING = 8  # missing rows, from which one cache round trip is cheaper


def body_rows(table, *, moment=""):
    """The rendered <tr>s of the rows on this page, in the table's order, one per line: a list
    of HTML strings to fill a frame's hole (`datacache.framed`), joined once with the page.

    The same render methods as django-tables2 would call, without its per-cell machinery,
    which costs more than the rest of the page for a few hundred rows. Each row is a cached
    piece keyed by what its cells show (each column's `inputs`), so after a change only the
    rows whose values changed are rendered again. `moment` (the `as_of`/`release` of a past
    page) is in the key too, so a past page's rows are never shared with today's.
    """
    columns = [bound.column for bound in table.columns]
    # The records of this page, in the table's order, without a BoundRow each.
    page = table.page
    records = table.data[page.start_index() - 1 : page.end_index()] if page else table.data
    # A row made from today's cells is known by what it was made from (its `row_key`, see
    # `comparison.table_rows`); a past moment's row by what its cells show.
    inputs = [
        (moment, record["row_key"] or tuple(c.inputs(record) for c in columns))
        for record in records
    ]

    def render(index):
        cells = ((column.cell_html(records[index]),) for column in columns)
        return format_html("<tr>{}</tr>", format_html_join("", "{}", cells))

    # A row renders in about a tenth of a millisecond: after a change, the few changed rows
    # are rendered here rather than looked for in the shared cache.
    rendered = datacache.pieces(inputs, render, shared_from=ROWS_WORTH_SHARING)
    lines = [row for html in rendered for row in (html, "\n")]  # format_html's
    return lines[:-1]


def comparison_table(rows, columns, framework_code, *, order_by=None, keep=TODAY.keep):
    """A table shaped for this view's columns, filled with the rows; `keep` is the page's
    `PublishedOn.keep`, so the country links stay on the date shown."""
    return _table_class(tuple(columns), framework_code, keep)(rows, order_by=order_by)


@datacache.kept_in_memory
@functools.lru_cache(maxsize=64)
def _table_class(columns, framework_code, keep):
    """The table class for these columns, made once per process and shape: making its
    columns formats each status's cell, for every request."""
    attrs = {
        "country": CountryColumn(
            verbose_name="Country", accessor="name", order_by=("sort_name",), keep=keep
        ),
        "subregion": TextColumn(verbose_name="Sub-region", accessor="subregion"),
    }
    for spec in columns:
        attrs[spec.key] = StatusColumn(spec)
    attrs["met"] = CountOfColumn("met", accessor="met", verbose_name="Met", order_by=("sort_met",))
    attrs["assessed"] = CountOfColumn(
        "assessed", accessor="assessed", verbose_name="Assessed", order_by=("sort_assessed",)
    )
    if framework_code == Framework.ICMEC:
        attrs["sufficient"] = SufficientColumn(
            accessor="sufficient",
            verbose_name="Sufficient (at least 4 of 5)",
            order_by=("sort_sufficient",),
        )

    class Meta:
        template_name = "legislation/site/_compare_table.html"
        attrs = {"class": "data compare cards", "id": "comparison"}
        orderable = True
        order_by_field = "sort"

    attrs["Meta"] = Meta
    return type("ComparisonTable", (tables.Table,), attrs)
