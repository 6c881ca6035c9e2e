"""/compare/: every country against one standard, filtered, sorted and downloadable as seen."""

import functools
from types import SimpleNamespace

from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django_filters.views import FilterView
from django_tables2 import RequestConfig
from django_tables2.export.views import ExportMixin

from legislation.exports import long_format
from legislation.exports import spreadsheet as exports
from legislation.matrix import build_summary_matrix
from legislation.models import Framework, stored_values
from legislation.reports.treaty import published_ratings_of
from legislation.rules import ROLLUP_RULE
from legislation.site import cache as datacache
from legislation.site import comparison
from legislation.site.filters import MET_COUNT, CompareFilter
from legislation.site.maps import render_world_map
from legislation.site.public_cache import is_anonymous_and_quiet
from legislation.site.published import at, published_view
from legislation.site.tables import body_rows, comparison_table

ROWS_PER_PAGE = 300  # the whole filtered set on one page up to this many rows
TEMPLATE = "legislation/site/compare.html"


# Valid filter forms, by shared version and address (`CompareView.address_filterset`): its own
# store, so that many distinct addresses never push out what the pages read.
kept_filtersets = datacache.kept_in_memory(datacache.Remembered(128))
# Matrix rows (`CompareView.matrix`), by standard and criteria: a handful of dicts, each kept
# small by `build_summary_matrix`.
kept_matrix_rows = datacache.kept_in_memory(datacache.Remembered(8))


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
        self.filterset = self.address_filterset(kept=not exporting)
        if not self.filterset.is_valid():
            # Bad input: the form with its messages, no rows and no download.
            ctx = {"filter": self.filterset, "invalid": True}
            return render(request, TEMPLATE, ctx, status=400)
        self.options = self.filterset.form.cleaned_data
        self.object_list = self.filterset.qs.all()  # read when used (the form may be kept)
        if exporting:
            return self.create_export(export_format)
        return self.render_page()

    def address_filterset(self, *, kept):
        """The filter form for this address, validated.

        With `kept` (a page, not a download), a valid one is kept by this process for the
        same address while the shared version stays: what it holds (the choices, the cleaned
        query) changes with nothing else, and making and checking it again costs more than a
        row. It is then shared by the requests for this address: never change it."""
        version = getattr(self.request, "data_version", None)
        key = None
        if kept and version is not None:
            key = (datacache.shared_version(version), self.request.GET.urlencode())
            filterset = kept_filtersets.find(key)
            if filterset is not None:
                return filterset
        filterset = self.get_filterset(self.filterset_class)
        if key is not None and filterset.is_valid():
            # The form outlives this request: it keeps only what it reads of it, the version
            # its choices are remembered under (the same shared version as its key's).
            filterset.request = SimpleNamespace(data_version=version)
            kept_filtersets.keep(key, filterset)
        return filterset

    @functools.cached_property
    def active_filters(self):
        """The filters in force, in words: on the page, in its keys and in the downloads."""
        return self.filterset.active_filters()

    def render_page(self):
        if not is_anonymous_and_quiet(self.request):
            # Signed-in staff: a fresh page around the cached table and map.
            return render(self.request, TEMPLATE, self.get_context_data())
        # Anonymous visitors all see the same page for the same address and data. The page is
        # a frame (heading, filter form, downloads) around the body (counts, map, table), itself
        # a frame around the map and the rows: each kept under what it shows, so a change to
        # cells renders again only the rows that changed, and the map if a shade changed.
        body = self.render_body(*self.matrix_and_ratings())
        page = datacache.framed(self.frame_inputs(), self.render_frame, {"body": body})
        return HttpResponse(datacache.encoded(page))

    def frame_inputs(self):
        return (
            "compare frame",
            self.request.path,
            self.request.GET.urlencode(),
            self.moment_key(),  # the banner of a past page
            self.form_inputs(),
            self.active_filters,
        )

    def render_frame(self):
        return render(
            self.request, TEMPLATE, self.page_context(datacache.hole("body"))
        ).content.decode()

    def moment_key(self):
        """The moment shown, as the banner and the cells read it (`release=latest` names a
        different release once a newer one is published)."""
        on = self.request.published_on
        release = stored_values(on.release) if on.release else None
        return (on.query, on.day, on.moment, release)

    def form_inputs(self):
        """What the filter form shows besides the address: the choices read from the data."""
        filters = self.filterset.filters.items()
        return (
            tuple((name, repr(f.extra.get("choices"))) for name, f in filters),
            tuple((stored_values(c), c.framework.code) for c in self.filterset.criteria),
        )

    # Shared by page and exports: the rows, in the order the table sorts them.

    def countries(self):
        """The filtered countries in the table's order. A filter that reads cells (`where`,
        `min_met`, `fully_assessed`) reads them now, as published at the moment shown;
        otherwise they depend on countries and groups only, so they are read once per shared
        version (`unchanged_by_cells`)."""
        options = self.options
        if self.filterset.uses_status():
            return list(self.filterset.countries_as_published(at(self.request)))
        chosen = tuple(sorted((name, repr(value)) for name, value in options.items()))
        return datacache.unchanged_by_cells(
            getattr(self.request, "data_version", None),
            ("compare countries", chosen),
            lambda: tuple(self.object_list),
        )

    def matrix(self, *, detailed=False):
        framework = self.options["framework"]
        kept_rows = None
        if getattr(self.request, "data_version", None) is not None:
            # Rows kept per standard and criteria as they read: only the rows of countries
            # whose cells or own values changed are made again, whatever else changed.
            criteria = self.filterset.criteria
            shown = tuple(stored_values(c) for c in criteria if c.framework.code == framework)
            kept_rows = kept_matrix_rows.get(("compare matrix rows", framework, shown), dict)
        return build_summary_matrix(
            self.countries(),
            framework,
            detailed=detailed,
            at=at(self.request),
            criteria=self.filterset.criteria,
            kept_rows=kept_rows,
        )

    def build(self, *, detailed=False, matrix=None):
        """The matrix, columns, rows and sorted table; `detailed` adds notes and provisions."""
        framework_code = self.options["framework"]
        detail = bool(self.options.get("detail")) and framework_code == Framework.LANZAROTE
        matrix = matrix or self.matrix(detailed=detailed)
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
        key = [self.request.path, self.request.GET.urlencode()]
        body = datacache.cached(key, self.body, self.version)
        return self.page_context(body)

    def page_context(self, body):
        return {
            "filter": self.filterset,
            "active_filters": self.active_filters,
            "body": body,
            "export_links": self.export_links(),
        }

    def body(self):
        """The counts, map and table for signed-in staff: a piece keyed by everything they
        show (see `body_inputs`), so only a change to what they show renders them again."""
        matrix, ratings = self.matrix_and_ratings()
        inputs = self.body_inputs(matrix, ratings)
        return datacache.piece(inputs, lambda: datacache.joined(self.render_body(matrix, ratings)))

    def matrix_and_ratings(self):
        matrix = self.matrix()
        countries = [r.country for r in matrix.rows]
        # Ratings change with no cell: reused, per country set, while only cells change.
        ratings = datacache.unchanged_by_cells(
            getattr(self.request, "data_version", None),
            ("published ratings", matrix.framework.pk, tuple(c.pk for c in countries)),
            lambda: tuple(published_ratings_of(countries, matrix.framework)),
        )
        return matrix, ratings

    def body_inputs(self, matrix, ratings, *, whole=True):
        """What the body shows: with `whole=False`, all but its map and rows (the body frame's
        inputs; the counts stand for the rows they are counted from)."""
        rows = comparison.matrix_inputs(matrix) if whole else comparison.criteria_inputs(matrix)
        return (
            "compare body" if whole else "compare body frame",
            self.request.path,
            self.request.GET.urlencode(),
            self.moment_key(),  # a past page never shares today's pieces
            self.active_filters,
            rows,
            tuple((stored_values(r), stored_values(r.country)) for r in ratings),
        )

    def render_body(self, matrix, ratings):
        matrix, columns, rows, table = self.build(matrix=matrix)
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
        description = f"(the {len(rows)} countries of the table; others are grey)."
        nodata_label = "outside the filtered set, or not a country in these records"
        # A piece keyed by what the map shows: a change that leaves every country's shade,
        # label and link as they were reuses the map.
        world_map = datacache.piece(
            ("world map", shades, countries, map_title, description, nodata_label),
            lambda: render_world_map(
                shades, countries, title=map_title, description=description,
                nodata_label=nodata_label,
            ),
        )  # fmt: skip
        counts = {
            "row_count": len(rows),
            "fully_assessed": sum(1 for r in rows if r["fully_assessed"]),
            "any_assessed": sum(1 for r in rows if r["assessed"]),
        }
        ctx = {
            **counts,
            "table": table,
            "body_rows": datacache.hole("rows"),
            "matrix": matrix,
            "columns": columns,
            "leaf_count": len(matrix.leaves),
            "world_map": datacache.hole("map"),
            "rollup_rule": ROLLUP_RULE,
            "show_rollup": matrix.framework.code == Framework.LANZAROTE
            and not any(not c.is_article for c in columns),
            "active_filters": self.active_filters,
            "request": self.request,
            "published_ratings": ratings,
        }
        # The frame's inputs: everything but the rows and the map, with the counts made from
        # the rows (the page and the sort are in the address).
        inputs = (self.body_inputs(matrix, ratings, whole=False), tuple(counts.items()))
        template = "legislation/site/_compare_body.html"
        return datacache.framed(
            inputs,
            lambda: render_to_string(template, ctx, request=self.request),
            {
                "rows": body_rows(table, moment=self.request.published_on.query),
                "map": world_map,
            },
        )

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
            "filters": self.active_filters,
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
