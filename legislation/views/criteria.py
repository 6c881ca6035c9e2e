"""/criteria/ and /criteria/<code>/: what each criterion asks, and where every country stands."""

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render

from legislation.matrix import ROLLUP_RULE, build_summary_matrix
from legislation.models import Assessment, Country, Criterion, Framework
from legislation.site import comparison
from legislation.site.maps import render_world_map
from legislation.statuses import ASSESSED, IN_ORDER, Status

# Best covered first, unknown last: the order the lists of countries appear in.
STATUS_ORDER = IN_ORDER


def index(request):
    criteria = list(Criterion.objects.select_related("framework", "parent"))
    tallies = (
        Assessment.objects.values("criterion")
        .order_by()
        .annotate(
            assessed=Count("pk", filter=~Q(status=Status.NOT_ASSESSED)),
            met=Count("pk", filter=Q(status=Status.MET)),
        )
    )
    by_criterion = {t["criterion"]: t for t in tallies}
    frameworks = {}
    for criterion in criteria:
        tally = by_criterion.get(criterion.pk, {})
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


def _statuses(criterion):
    """(country, status) for every country, in name order; a missing cell is not assessed."""
    countries = list(Country.objects.order_by("name"))
    if criterion.is_leaf:
        cells = dict(
            Assessment.objects.filter(criterion=criterion).values_list("country_id", "status")
        )
        return [(c, Status(cells.get(c.pk, Status.NOT_ASSESSED))) for c in countries]
    matrix = build_summary_matrix(countries, criterion.framework.code)
    return [(row.country, row.status(criterion.code)) for row in matrix.rows]


def detail(request, code):
    criterion = get_object_or_404(
        Criterion.objects.select_related("framework", "parent"), code__iexact=code
    )
    if criterion.code != code:  # /criteria/icmec.4/ → the one address each page has
        return redirect(criterion, permanent=True)
    pairs = _statuses(criterion)
    groups = {status: [] for status in STATUS_ORDER}
    for country, status in pairs:
        groups[status].append(country)
    shades, countries = comparison.status_map_data(pairs)
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
        "status_groups": [(status, groups[status]) for status in STATUS_ORDER],
        "assessed": sum(1 for _, s in pairs if s in ASSESSED),
        "country_count": len(pairs),
        "world_map": world_map,
        "rollup_rule": ROLLUP_RULE if not criterion.is_leaf else None,
        "is_icmec": criterion.framework.code == Framework.ICMEC,
    }
    return render(request, "legislation/site/criterion.html", ctx)
