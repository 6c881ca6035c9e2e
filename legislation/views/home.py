from django.shortcuts import render

from legislation.coverage import site_coverage
from legislation.figures import headline_figures
from legislation.matrix import build_summary_matrix
from legislation.models import Country, Framework, PublishedFigure
from legislation.rules import STATUS_ORDER
from legislation.site import comparison
from legislation.site.maps import render_world_map
from legislation.site.published import at, published_view
from legislation.statuses import SYMBOLS


@published_view
def home(request):
    matrix = build_summary_matrix(Country.objects.all(), Framework.ICMEC, at=at(request))
    columns = comparison.status_columns(matrix)
    rows = comparison.table_rows(matrix, columns)
    shades, countries = comparison.met_map_data(
        rows, len(matrix.leaves), keep=request.published_on.keep
    )
    published = PublishedFigure.objects.filter(framework__code=Framework.ICMEC, edition=9)
    ctx = {
        "coverage": site_coverage(at(request)),
        "status_key": [(s, SYMBOLS[s]) for s in STATUS_ORDER],
        "figures": headline_figures(matrix.rows, list(published)),
        "country_count": len(matrix.rows),
        "whole_world": True,
        "world_map": render_world_map(
            shades,
            countries,
            title="ICMEC criteria met per country",
            description="(as far as assessed; not yet assessed: pale grey, untextured).",
            nodata_label="not a country in these records",
        ),
    }
    return render(request, "legislation/site/home.html", ctx)
