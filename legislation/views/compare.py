"""/compare/: every country against one standard, filtered, sorted and downloadable as seen."""

from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django_filters.views import FilterView
from django_tables2 import RequestConfig
from django_tables2.export.views import ExportMixin

from legislation.exports import long_format
from legislation.exports import spreadsheet as exports
from legislation.matrix import build_summary_matrix
from legislation.models import Framework
from legislation.reports.treaty import published_ratings_of
from legislation.rules import ROLLUP_RULE
from legislation.site import cache as datacache
from legislation.site import comparison
from legislation.site.filters import MET_COUNT, CompareFilter
from legislation.site.maps import render_world_map
from legislation.site.published import at, published_view
from legislation.site.tables import body_rows, comparison_table

ROWS_PER_PAGE = 300  # the whole filtered set on one page up to this many rows
TEMPLATE = "legislation/site/compare.html"


class CompareView(ExportMixin, FilterView):
    filterset_class = CompareFilter
    template_name = TEMPLATE
    export_formats = tuple(exports.FORMATS)

    def get(self, request, *args, **kwargs):
        export_format = request.GET.get(self.export_trigger_param)
        exporting = export_format in exports.FORMATS
        # Anonymous pages are cached whole by the public-page middleware; signed-in users get
        # a fresh page around the cached table and map (read at the middleware's version).
        self.version = None
        if not exporting:
            self.version = getattr(request, "data_version", None) or datacache.data_version()
        self.filterset = self.get_filterset(self.filterset_class)
        if not self.filterset.is_valid():
            # Bad input: the form with its messages, no rows and no download.
            ctx = {"filter": self.filterset, "invalid": True}
            return render(request, TEMPLATE, ctx, status=400)
        self.options = self.filterset.form.cleaned_data
        self.object_list = self.filterset.qs
        if exporting:
            return self.create_export(export_format)
        return self.render_page()

    def render_page(self):
        return render(self.request, TEMPLATE, self.get_context_data())

    # Shared by page and exports: the rows, in the order the table sorts them.

    def build(self, *, detailed=False):
        """The matrix, columns, rows and sorted table; `detailed` adds notes and provisions."""
        framework_code = self.options["framework"]
        detail = bool(self.options.get("detail")) and framework_code == Framework.LANZAROTE
        matrix = build_summary_matrix(
            self.object_list, framework_code, detailed=detailed, at=at(self.request)
        )
        columns = comparison.status_columns(matrix, detail=detail)
        rows = comparison.table_rows(matrix, columns)
        keep = self.request.published_on.keep
        table = comparison_table(rows, columns, framework_code, keep=keep)
        RequestConfig(self.request, paginate={"per_page": ROWS_PER_PAGE}).configure(table)
        return matrix, columns, rows, table

    def page_url(self):
        query = self.request.GET.copy()
        query.pop(self.export_trigger_param, None)
        return self.request.path + ("?" + query.urlencode() if query else "")

    def get_context_data(self, **kwargs):
        # Signed-in users get a fresh page around the cached table and map.
        key = [self.request.path, self.request.GET.urlencode()]
        body = datacache.cached(key, lambda: self.render_body(), self.version)
        return {
            "filter": self.filterset,
            "active_filters": self.filterset.active_filters(),
            "body": body,
            "export_links": self.export_links(),
        }

    def render_body(self):
        matrix, columns, rows, table = self.build()
        chosen = self.options.get("map") or MET_COUNT
        if chosen == MET_COUNT:
            shades, countries = comparison.met_map_data(
                rows, len(matrix.leaves), keep=self.request.published_on.keep
            )
            map_title = f"{matrix.framework.short_name}: number of criteria met per country"
        else:
            by_code = {c.code: c for c in matrix.leaves + matrix.articles}
            pairs = [(row.country, row.status(chosen)) for row in matrix.rows]
            shades, countries = comparison.status_map_data(
                pairs, keep=self.request.published_on.keep
            )
            map_title = f"{chosen} {by_code[chosen].title}: status per country"
        world_map = render_world_map(
            shades,
            countries,
            title=map_title,
            description=f"(the {len(rows)} countries of the table; others are grey).",
            nodata_label="outside the filtered set, or not a country in these records",
        )
        ctx = {
            "table": table,
            "body_rows": body_rows(table),
            "matrix": matrix,
            "columns": columns,
            "row_count": len(rows),
            "fully_assessed": sum(1 for r in rows if r["fully_assessed"]),
            "any_assessed": sum(1 for r in rows if r["assessed"]),
            "leaf_count": len(matrix.leaves),
            "world_map": world_map,
            "rollup_rule": ROLLUP_RULE,
            "show_rollup": matrix.framework.code == Framework.LANZAROTE
            and not any(not c.is_article for c in columns),
            "active_filters": self.filterset.active_filters(),
            "request": self.request,
            "published_ratings": published_ratings_of(
                [r.country for r in matrix.rows], matrix.framework
            ),
        }
        return render_to_string("legislation/site/_compare_body.html", ctx, request=self.request)

    def export_links(self):
        links = []
        for shape in ("wide", "long"):
            for fmt in exports.FORMATS:
                query = self.request.GET.copy()
                query[self.export_trigger_param] = fmt
                query["shape"] = shape
                links.append((shape, fmt, "?" + query.urlencode()))
        return links

    def create_export(self, export_format):
        shape = self.options.get("shape") or "wide"
        matrix, columns, rows, table = self.build(detailed=shape == "long")
        ordered = [row.record for row in table.rows]  # exactly the table's order, every page
        if shape == "long":
            header, records = long_format.long_records(matrix, [r["iso2"] for r in ordered])
        else:
            header, records = comparison.wide_records(ordered, columns, matrix.framework.code)
        meta = self.export_meta(matrix, ordered, shape)
        filename = f"comparison-{matrix.framework.code}-{shape}"
        return exports.table_download(export_format, header, records, filename, meta)

    def export_meta(self, matrix, ordered, shape):
        sources = sorted(
            {
                str(cell.source)
                for row in matrix.rows
                for cell in row.cells.values()
                if cell.source_id
            }
        )
        assessed = sum(r["assessed"] for r in ordered)
        return {
            "title": "Child sexual exploitation laws: comparison export",
            "standard": f"{matrix.framework.name} ({matrix.framework.code})",
            "shape": shape,
            "filters": self.filterset.active_filters(),
            "sort": self.request.GET.get("sort") or "country name",
            "rows": f"{len(ordered)} countries; assessed {assessed} of "
            f"{len(ordered) * len(matrix.leaves)} cells",
            "exported_at": timezone.now().isoformat(timespec="seconds"),
            "as_published_on": self.request.published_on.day.isoformat()
            if self.request.published_on.day
            else "today",
            "page": self.request.build_absolute_uri(self.page_url()),
            "statuses": "met, partial, not_met, reserved, not_assessed "
            "(not_assessed means nobody has verified the cell; it is never a gap)",
            "standard_source": matrix.framework.url,
            "sources": sources,
        }


compare = published_view(CompareView.as_view())
