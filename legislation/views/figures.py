"""/figures/: ICMEC-style headline figures from the current records, beside ICMEC's own."""

from django.shortcuts import render

from legislation.figures import headline_figures
from legislation.matrix import build_summary_matrix
from legislation.models import Framework, PublishedFigure
from legislation.reports.published import published_series
from legislation.site.filters import CompareFilter
from legislation.site.published import at, published_view

FIGURE_FILTERS = ("q", "region", "subregion", "group")


def figures_context(countries, *, whole_world, at=None):
    matrix = build_summary_matrix(countries, Framework.ICMEC, at=at)
    published = PublishedFigure.objects.filter(framework__code=Framework.ICMEC, edition=9)
    return {
        "figures": headline_figures(matrix.rows, list(published), whole_world=whole_world),
        "country_count": len(matrix.rows),
        "whole_world": whole_world,
    }


@published_view
def figures(request):
    data = request.GET.copy()
    data["framework"] = Framework.ICMEC  # the headline figures are ICMEC's five criteria
    filterset = CompareFilter(data)
    ctx = {"filter": filterset, "fields": [filterset.form[name] for name in FIGURE_FILTERS]}
    if not filterset.is_valid():
        ctx["invalid"] = True
        return render(request, "legislation/site/figures.html", ctx, status=400)
    active = filterset.active_filters()
    countries = filterset.countries_as_published(at(request))
    ctx.update(figures_context(countries, whole_world=not active, at=at(request)))
    ctx["active_filters"] = active
    ctx["series"] = published_series()
    return render(request, "legislation/site/figures.html", ctx)
