"""How much of the record is known: the figures every count is shown beside."""

from dataclasses import dataclass

from django.db.models import Count, Max, Q

from legislation.models import Assessment, Country, Framework, TreatyParticipation
from legislation.rules import STATUS_ORDER
from legislation.statuses import Status


@dataclass(frozen=True)
class FrameworkCoverage:
    framework: Framework
    leaf_criteria: int
    cells: int
    assessed_cells: int
    countries_with_any: int
    by_status: dict

    @property
    def not_assessed_cells(self):
        return self.cells - self.assessed_cells


def framework_coverage():
    """Per framework: cells, assessed cells, countries with at least one assessed cell, statuses.

    Two aggregate queries whatever the number of countries.
    """
    rows = Assessment.objects.values("criterion__framework").annotate(
        cells=Count("pk"),
        assessed=Count("pk", filter=~Q(status=Status.NOT_ASSESSED)),
        countries_with_any=Count("country", filter=~Q(status=Status.NOT_ASSESSED), distinct=True),
        leaves=Count("criterion", distinct=True),
        **{s.value: Count("pk", filter=Q(status=s)) for s in Status},
    )
    by_framework = {row["criterion__framework"]: row for row in rows}
    result = []
    for framework in Framework.objects.all():
        row = by_framework.get(framework.pk, {})
        result.append(
            FrameworkCoverage(
                framework=framework,
                leaf_criteria=row.get("leaves", 0),
                cells=row.get("cells", 0),
                assessed_cells=row.get("assessed", 0),
                countries_with_any=row.get("countries_with_any", 0),
                by_status={s: row.get(s.value, 0) for s in STATUS_ORDER},
            )
        )
    return result


def latest_change():
    """When a cell last changed, or None. Creating the empty "not assessed" grid is no change."""
    blank_grid = Q(history_type="+", status=Status.NOT_ASSESSED)
    return Assessment.history.exclude(blank_grid).aggregate(latest=Max("history_date"))["latest"]


def newest_as_of():
    return Assessment.objects.assessed().aggregate(newest=Max("as_of"))["newest"]


def site_coverage():
    return {
        "countries": Country.objects.count(),
        "frameworks": framework_coverage(),
        "lanzarote_parties": TreatyParticipation.objects.filter(
            treaty__code=Framework.LANZAROTE,
            action__in=[
                TreatyParticipation.Action.RATIFICATION,
                TreatyParticipation.Action.ACCESSION,
            ],
        ).count(),
        "latest_change": latest_change(),
        "newest_as_of": newest_as_of(),
    }
