"""Laws on record that no assessed cell relies on yet: text located, not yet assessed."""

from django.db.models import Exists, OuterRef, Q, Subquery

from legislation.models import Assessment, LegalInstrument, Provision
from legislation.statuses import Status


def newest_entry(model, field, ref="pk"):
    """A subquery: one column of the record's newest history entry."""
    entries = model.history.filter(id=OuterRef(ref)).order_by("-history_date", "-history_id")
    return Subquery(entries.values(field)[:1])


def public_evidence(prefix=""):
    """Records whose current values reached the public the way evidence must: loaded from the
    published files (no person) or approved by a Reviewer on a proposal. A record one editor
    saved directly (possible while no cell cites it) waits until a second person has seen it."""
    return Q(**{f"{prefix}by_person__isnull": True}) | Q(**{f"{prefix}proposal__isnull": False})


def laws_on_record(country):
    """[(instrument, [provisions])] for provisions no assessed cell cites (one query)."""
    cited = Assessment.objects.filter(provisions=OuterRef("pk")).exclude(status=Status.NOT_ASSESSED)
    provisions = (
        Provision.objects.filter(instrument__country=country)
        .annotate(
            cited=Exists(cited),
            by_person=newest_entry(Provision, "history_user_id"),
            proposal=newest_entry(Provision, "evidence_proposal_id"),
            instrument_by_person=newest_entry(
                LegalInstrument, "history_user_id", ref="instrument_id"
            ),
            instrument_proposal=newest_entry(
                LegalInstrument, "evidence_proposal_id", ref="instrument_id"
            ),
        )
        .filter(public_evidence(), public_evidence("instrument_"), cited=False)
        .select_related("instrument")
        .order_by("instrument__title", "reference")
    )
    grouped = {}
    for provision in provisions:
        grouped.setdefault(provision.instrument, []).append(provision)
    return list(grouped.items())
