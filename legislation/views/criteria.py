"""/criteria/ and /criteria/<code>/: what each criterion asks, and where every country stands."""

from django.shortcuts import get_object_or_404, redirect, render

from legislation import history, rules
from legislation.matrix import build_summary_matrix
from legislation.models import Assessment, Country, Criterion, Framework
from legislation.site import comparison
from legislation.site.maps import render_world_map
from legislation.site.published import at, published_view
from legislation.statuses import ASSESSED, Status


@published_view
def index(request):
    criteria = list(Criterion.objects.select_related("framework", "parent"))
    tallies = history.cell_tallies(at(request), by=("criterion_id",))
    frameworks = {}
    for criterion in criteria:
        tally = tallies.get((criterion.pk,), {})
        criterion.assessed_count = tally.get("assessed", 0)
        criterion.met_count = tally.get("met", 0)
        frameworks.setdefault(criterion.framework, []).append(criterion)
    # Counted as the home page counts them: leaf criteria; articles are their headings.
    listed = [
        (framework, rows, sum(1 for c in rows if c.is_leaf), sum(1 for c in rows if not c.is_leaf))
        for framework, rows in frameworks.items()
    ]
    ctx = {"frameworks": listed, "country_count": Country.objects.count()}
    return render(request, "legislation/site/criteria.html", ctx)


def _statuses(criterion, at=None):
    """(country, status, detail) for every country, in name order; a missing cell is not
    assessed; an article's detail says how much of it is assessed ("gap found, 1 of 6").
    With `at`, as published at that moment."""
    countries = list(Country.objects.order_by("name"))
    if criterion.is_leaf and at is not None:
        states = history.state_at(at, criterion=criterion)
        cells = {s.country_id: s.status for s in states.values()}
        return [(c, Status(cells.get(c.pk, Status.NOT_ASSESSED)), "") for c in countries]
    if criterion.is_leaf:
        cells = {
            cell.country_id: cell
            for cell in Assessment.objects.filter(criterion=criterion).only("country", "status")
        }
        return [(c, rules.cell_status(cells.get(c.pk)), "") for c in countries]
    matrix = build_summary_matrix(countries, criterion.framework.code, at=at)
    return [
        (row.country, row.status(criterion.code), row.rollup(criterion.code).detail)
        for row in matrix.rows
    ]


@published_view
def detail(request, code):
    criterion = get_object_or_404(
        Criterion.objects.select_related("framework", "parent"), code__iexact=code
    )
    if criterion.code != code:  # /criteria/icmec.4/ → the one address each page has
        return redirect(request.published_on.keep(criterion.get_absolute_url()), permanent=True)
    triples = _statuses(criterion, at(request))
    pairs = [(country, status) for country, status, _ in triples]
    groups = {status: [] for status in rules.STATUS_ORDER}
    for country, status, detail in triples:
        groups[status].append((country, detail))
    shades, countries = comparison.status_map_data(pairs, keep=request.published_on.keep)
    world_map = render_world_map(
        shades,
        countries,
        title=f"{criterion.code} {criterion.title}: status per country",
        description="(the same countries are listed by status below the map).",
        nodata_label="not a country in these records",
    )
    ctx = {
        "criterion": criterion,
        "children": list(criterion.children.order_by("display_order")),
        "status_groups": [(status, groups[status]) for status in rules.STATUS_ORDER],
        "assessed": sum(1 for _, s in pairs if s in ASSESSED),
        "country_count": len(pairs),
        "world_map": world_map,
        "rollup_rule": rules.ROLLUP_RULE if not criterion.is_leaf else None,
        "is_icmec": criterion.framework.code == Framework.ICMEC,
        # Lanzarote's leaf criteria are columns of the detailed table only.
        "compare_detail": 1
        if criterion.is_leaf and criterion.framework.code != Framework.ICMEC
        else "",
    }
    return render(request, "legislation/site/criterion.html", ctx)
