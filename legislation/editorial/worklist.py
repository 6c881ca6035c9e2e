"""The research worklist: what is still unknown, and which known cells most need checking again.

Editors read it to choose the next piece of research. Every figure is computed from the
records in a fixed number of queries, whatever the number of countries.
"""

from dataclasses import dataclass

from django.db.models import Case, Count, F, Q, Value, When

from legislation.models import Assessment, Country, Framework, TreatyParticipation
from legislation.reports.treaty import DATE_NOT_FOUND
from legislation.statuses import Status

# Weakest evidence first: no grade recorded, then D (unverified) up to A (in-country lawyer).
GRADE_ORDER = ["", "D", "C", "B", "A"]
RECHECK_LIMIT = 50
DATE_FIELDS = (("signed", "signature"), ("ratified", "deposit"), ("in_force", "entry into force"))
UNKNOWN = Q(assessments__status=Status.NOT_ASSESSED)


def framework_counts():
    """[(framework, not assessed, cells)] (two queries)."""
    rows = Assessment.objects.values("criterion__framework").annotate(
        cells=Count("pk"), unknown=Count("pk", filter=Q(status=Status.NOT_ASSESSED))
    )
    by_pk = {r["criterion__framework"]: r for r in rows}
    return [
        (f, by_pk.get(f.pk, {}).get("unknown", 0), by_pk.get(f.pk, {}).get("cells", 0))
        for f in Framework.objects.all()
    ]


def region_counts():
    """[{region, framework name, unknown, cells}] (one query)."""
    return list(
        Assessment.objects.values("country__region", "criterion__framework__short_name")
        .annotate(cells=Count("pk"), unknown=Count("pk", filter=Q(status=Status.NOT_ASSESSED)))
        .order_by("country__region", "criterion__framework__display_order")
    )


def country_counts():
    """Countries with their unknown cells per framework, most unknown first (one query)."""
    counts = {
        f"{code}_unknown": Count(
            "assessments", filter=UNKNOWN & Q(assessments__criterion__framework__code=code)
        )
        for code in (Framework.ICMEC, Framework.LANZAROTE)
    }
    return list(
        Country.objects.annotate(**counts, unknown=Count("assessments", filter=UNKNOWN))
        .filter(unknown__gt=0)
        .order_by("-unknown", "region", "name")
    )


@dataclass
class TreatyGap:
    participation: TreatyParticipation
    missing_dates: list  # the steps whose date is not yet found
    reservations_unread: bool  # listed as having some, none on record here


def treaty_gaps():
    """Lanzarote records with a date not yet found or reservations not yet read (one query)."""
    records = (
        TreatyParticipation.objects.filter(treaty__code=Framework.LANZAROTE)
        .select_related("country")
        .annotate(recorded=Count("reservations"))
        .order_by("country__name")
    )
    gaps = []
    for record in records:
        missing = [
            label
            for name, label in DATE_FIELDS
            if getattr(record, name) is None
            and not (name == "signed" and record.action == TreatyParticipation.Action.ACCESSION)
        ]
        unread = bool(record.declarations_listed) and record.recorded == 0
        if missing or unread:
            gaps.append(TreatyGap(record, missing, unread))
    return gaps


def cells_to_recheck(limit=RECHECK_LIMIT):
    """Assessed cells, oldest "as of" first (a missing date counts as oldest), then the
    weakest evidence grade first (one query)."""
    weakness = Case(
        *[When(evidence_grade=g, then=Value(i)) for i, g in enumerate(GRADE_ORDER)],
        default=Value(0),
    )
    return list(
        Assessment.objects.assessed()
        .select_related("country", "criterion", "source")
        .annotate(weakness=weakness)
        .order_by(F("as_of").asc(nulls_first=True), "weakness", "country__name", "criterion__code")[
            :limit
        ]
    )


def worklist():
    frameworks = framework_counts()
    return {
        "frameworks": frameworks,
        "unknown_cells": sum(unknown for _, unknown, _ in frameworks),
        "all_cells": sum(cells for _, _, cells in frameworks),
        "regions": region_counts(),
        "countries": country_counts(),
        "treaty_gaps": treaty_gaps(),
        "recheck": cells_to_recheck(),
        "date_not_found": DATE_NOT_FOUND,
    }
