"""The comparison table: one row per country, one status column per criterion or article.

Rows are plain dicts from `comparison.table_rows`; sorting happens on keys those rows carry
(status order, then name), so a sort never puts "not assessed" among the gaps.
"""

import django_tables2 as tables
from django.utils.html import format_html

from .models import Framework
from .statuses import css_class, symbol


class CountryColumn(tables.Column):
    def render(self, record):
        return format_html(
            '<a href="{}">{}</a> <span class="code">{}</span>',
            record["country"].get_absolute_url(),
            record["name"],
            record["iso2"],
        )

    def value(self, record):
        return record["name"]


class StatusColumn(tables.Column):
    """Symbol and word, plus as-of, evidence grade and source for the tooltip and screen readers."""

    def __init__(self, spec, **kwargs):
        self.spec = spec
        super().__init__(
            accessor=spec.key,
            verbose_name=spec.code,
            order_by=("sort_" + spec.key,),
            attrs={"th": {"title": spec.title}, "td": {"class": "cell"}},
            **kwargs,
        )

    def header(self):
        return self.spec.code

    def render(self, value):
        status = value.status
        if value.details:
            return format_html(
                '<span class="status {}" title="{}"><span aria-hidden="true">{}</span> {}</span>'
                '<span class="visually-hidden">, {}</span>',
                css_class(status),
                value.details,
                symbol(status),
                status.label,
                value.details,
            )
        return format_html(
            '<span class="status {}"><span aria-hidden="true">{}</span> {}</span>',
            css_class(status),
            symbol(status),
            status.label,
        )

    def value(self, value):
        return value.status.value


class CountOfColumn(tables.Column):
    """ "met 3 of 5": a count always carries what it is out of."""

    def __init__(self, word, **kwargs):
        self.word = word
        super().__init__(**kwargs)

    def render(self, value, record):
        return f"{self.word} {value} of {record['total']}"

    def value(self, value):
        return value


class SufficientColumn(tables.Column):
    def render(self, value):
        return {True: "yes", False: "no", None: "not yet known"}[value]


def comparison_table(rows, columns, framework_code, *, order_by=None, request=None):
    """A table class shaped for this view's columns, filled with the rows."""
    attrs = {
        "country": CountryColumn(verbose_name="Country", accessor="name", order_by=("sort_name",)),
        "region": tables.Column(verbose_name="Region", accessor="region"),
    }
    for spec in columns:
        attrs[spec.key] = StatusColumn(spec)
    attrs["met"] = CountOfColumn("met", verbose_name="Met", order_by=("sort_met",))
    if framework_code == Framework.ICMEC:
        attrs["sufficient"] = SufficientColumn(
            verbose_name="Sufficient (at least 4 of 5)", order_by=("sort_sufficient",)
        )
    attrs["assessed"] = CountOfColumn(
        "assessed", verbose_name="Assessed", order_by=("sort_assessed",)
    )

    class Meta:
        template_name = "legislation/_compare_table.html"
        attrs = {"class": "data compare", "id": "comparison"}
        orderable = True
        order_by_field = "sort"

    attrs["Meta"] = Meta
    table_class = type("ComparisonTable", (tables.Table,), attrs)
    table = table_class(rows, order_by=order_by)
    return table
