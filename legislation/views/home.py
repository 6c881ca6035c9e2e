from django.shortcuts import render

from .. import comparison
from ..coverage import site_coverage
from ..figures import headline_figures
from ..matrix import build_summary_matrix
from ..models import Country, Framework, PublishedFigure
from ..statuses import SYMBOLS, Status
from ..worldmap import render_world_map


def home(request):
    matrix = build_summary_matrix(Country.objects.all(), Framework.ICMEC)
    columns = comparison.status_columns(matrix)
    rows = comparison.table_rows(matrix, columns)
    shades, countries = comparison.met_map_data(rows, len(matrix.leaves))
    published = PublishedFigure.objects.filter(framework__code=Framework.ICMEC, edition=9)
    ctx = {
        "coverage": site_coverage(),
        "status_key": [(s, SYMBOLS[s]) for s in Status],
        "figures": headline_figures(matrix.rows, list(published)),
        "country_count": len(matrix.rows),
        "whole_world": True,
        "world_map": render_world_map(
            shades,
            countries,
            title="ICMEC criteria met per country",
            description="(as far as assessed; countries not yet assessed are white with dots).",
            nodata_label="not a country in these records",
        ),
    }
    return render(request, "legislation/home.html", ctx)
