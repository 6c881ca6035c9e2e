"""Laws on record that no assessed cell relies on yet: text located, not yet assessed."""

from django.db.models import Exists, OuterRef

from legislation.models import Assessment, Provision
from legislation.statuses import Status


def laws_on_record(country):
    """[(instrument, [provisions])] for provisions no assessed cell cites (one query)."""
    cited = Assessment.objects.filter(provisions=OuterRef("pk")).exclude(status=Status.NOT_ASSESSED)
    provisions = (
        Provision.objects.filter(instrument__country=country)
        .annotate(cited=Exists(cited))
        .filter(cited=False)
        .select_related("instrument")
        .order_by("instrument__title", "reference")
    )
    grouped = {}
    for provision in provisions:
        grouped.setdefault(provision.instrument, []).append(provision)
    return list(grouped.items())
