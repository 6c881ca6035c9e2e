"""How much of the record is known: the figures every count is shown beside."""

from dataclasses import dataclass

from django.db.models import Count, Max, Q

from legislation import history
from legislation.models import Assessment, Country, Criterion, Framework, TreatyParticipation
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


def _coverage_rows_at(at):
    """The aggregate rows of `framework_coverage`, counted from the cells as published at `at`
    (a cell with no record by then is not counted, as it was not there)."""
    criteria = dict(Criterion.objects.leaves().values_list("pk", "framework_id"))
    rows = {}
    for state in history.state_at(at).values():
        framework = criteria[state.criterion_id]
        row = rows.setdefault(
            framework, {"cells": 0, "assessed": 0, "countries": set(), "leaves": set()}
        )
        row["cells"] += 1
        row["leaves"].add(state.criterion_id)
        row[state.status] = row.get(state.status, 0) + 1
        if state.status != Status.NOT_ASSESSED:
            row["assessed"] += 1
            row["countries"].add(state.country_id)
    for framework, row in rows.items():
        row.update(
            criterion__framework=framework,
            countries_with_any=len(row.pop("countries")),
            leaves=len(row["leaves"]),
        )
    return list(rows.values())


def framework_coverage(at=None):
    """Per framework: cells, assessed cells, countries with at least one assessed cell, statuses.

    Two aggregate queries whatever the number of countries (three from the history with `at`).
    """
    rows = (
        _coverage_rows_at(at)
        if at is not None
        else Assessment.objects.values("criterion__framework").annotate(
            cells=Count("pk"),
            assessed=Count("pk", filter=~Q(status=Status.NOT_ASSESSED)),
            countries_with_any=Count(
                "country", filter=~Q(status=Status.NOT_ASSESSED), distinct=True
            ),
            leaves=Count("criterion", distinct=True),
            **{s.value: Count("pk", filter=Q(status=s)) for s in Status},
        )
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


def latest_change(at=None):
    """When a cell last changed, or None. Creating the empty "not assessed" grid is no change."""
    blank_grid = Q(history_type="+", status=Status.NOT_ASSESSED)
    records = Assessment.history.exclude(blank_grid)
    if at is not None:
        records = records.filter(history_date__lte=at)
    return records.aggregate(latest=Max("history_date"))["latest"]


def newest_as_of(at=None):
    if at is not None:
        dates = [
            s.as_of
            for s in history.state_at(at).values()
            if s.as_of and s.status != Status.NOT_ASSESSED
        ]
        return max(dates, default=None)
    return Assessment.objects.assessed().aggregate(newest=Max("as_of"))["newest"]


def lanzarote_parties(at=None):
    """The ids of the countries Party to the Lanzarote Convention (ratified or acceded) as
    published at `at`, from the treaty records' history (today's when None). One query."""
    parties = history.records_at(
        TreatyParticipation,
        at,
        treaty__code=Framework.LANZAROTE,
        action__in=[TreatyParticipation.Action.RATIFICATION, TreatyParticipation.Action.ACCESSION],
    )
    return {participation.country_id for participation in parties.values()}


def site_coverage(at=None):
    """The coverage figures of the home page; with `at`, as published at that moment (the
    countries are today's: country reference data has no published history)."""
    return {
        "countries": Country.objects.count(),
        "frameworks": framework_coverage(at),
        "lanzarote_parties": len(lanzarote_parties(at)),
        "latest_change": latest_change(at),
        "newest_as_of": newest_as_of(at),
    }
