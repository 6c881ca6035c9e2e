"""Laws on record that no assessed cell relies on yet: text located, not yet assessed."""

from django.db.models import Exists, OuterRef, Q, Subquery

from legislation import history
from legislation.models import Assessment, LegalInstrument, Provision
from legislation.statuses import ASSESSED, Status


def newest_entry(model, field, ref="pk"):
    """A subquery: one column of the record's newest history entry."""
    entries = model.history.filter(id=OuterRef(ref)).order_by("-history_date", "-history_id")
    return Subquery(entries.values(field)[:1])


def public_evidence(by_person="by_person", proposal="proposal"):
    """Records whose values reached the public the way evidence must: loaded from the
    published files (no person) or approved by a Reviewer on a proposal. A record one editor
    saved directly (possible while no cell cites it) waits until a second person has seen it.
    The names are of the newest history row's user and proposal, annotated or its own."""
    return Q(**{f"{by_person}__isnull": True}) | Q(**{f"{proposal}__isnull": False})


def laws_on_record(country, at=None):
    """[(instrument, [provisions])] for provisions no assessed cell cites: today's (one query)
    or, with `at`, as they stood then (`laws_on_record_at`)."""
    if at is not None:
        return laws_on_record_at(country, at)
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
        .filter(
            public_evidence(),
            public_evidence("instrument_by_person", "instrument_proposal"),
            cited=False,
        )
        .select_related("instrument")
        .order_by("instrument__title", "reference")
    )
    return grouped(provisions)


def grouped(provisions):
    by_instrument = {}
    for provision in provisions:
        by_instrument.setdefault(provision.instrument, []).append(provision)
    return list(by_instrument.items())


def laws_on_record_at(country, at):
    """The laws on record as published at `at`: each instrument and provision as its newest
    history row by then recorded it, public as evidence must be (`public_evidence`), and not
    cited by a cell assessed at `at`. Four queries."""
    public_row = public_evidence("history_user", "evidence_proposal")

    def public_at(model, **row_filter):
        rows = history.rows_at(model, at).filter(public_row, **row_filter)
        return {row.id: row.instance for row in rows.exclude(history_type="-")}

    instruments = public_at(LegalInstrument, country_id=country.pk)
    cited = {
        pk
        for state in history.state_at(at, country_id=country.pk).values()
        if state.status in ASSESSED
        for pk in state.provision_ids
    }
    provisions = [
        p
        for p in public_at(Provision, instrument_id__in=list(instruments)).values()
        if p.pk not in cited
    ]
    for provision in provisions:
        provision.instrument = instruments[provision.instrument_id]
    return grouped(sorted(provisions, key=lambda p: (p.instrument.title, p.reference)))
