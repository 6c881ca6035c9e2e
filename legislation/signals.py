"""Signal receivers of the app, connected once in `LegislationConfig.ready()`."""

from django.db.models.signals import m2m_changed, post_delete, post_save
from simple_history.signals import pre_create_historical_record

from .models import (
    Assessment,
    Country,
    CountryGroup,
    Criterion,
    Framework,
    LegalInstrument,
    Provision,
    PublishedFigure,
    PublishedRating,
    Source,
    TreatyParticipation,
    TreatyReservation,
)
from .site import cache as datacache

# What a public page, download or feed shows. Not here, on purpose: proposals (cell and
# evidence), batches and import drafts (pending until approved; approval saves the record),
# history rows, users, groups and sessions: a staff login or an import draft keeps the cache.
PUBLIC_MODELS = [
    Assessment,
    Country,
    CountryGroup,
    Criterion,
    Framework,
    LegalInstrument,
    Provision,
    PublishedFigure,
    PublishedRating,
    Source,
    TreatyParticipation,
    TreatyReservation,
]


def _record_the_proposal(sender, instance, history_instance, **kwargs):
    """An approved proposal leaves its id, author and public reason on the history row it
    creates; a save outside the workflow (the reference loader) may give its own."""
    if not isinstance(instance, Assessment):
        return
    proposal = getattr(instance, "_proposal", None)
    if proposal is not None:
        history_instance.proposal_id = proposal.pk
        history_instance.proposed_by_id = proposal.batch.author_id
        history_instance.reason_code = proposal.effective_reason_code
        history_instance.public_reason = proposal.batch.public_reason
    history_instance.reason_code = getattr(instance, "_reason_code", history_instance.reason_code)
    history_instance.public_reason = getattr(
        instance, "_public_reason", history_instance.public_reason
    )


def _record_the_evidence_proposal(sender, instance, history_instance, **kwargs):
    """An approved change to a source, instrument or provision leaves its proposal and author
    on the history row it creates (`history_user` is the Reviewer who approved it)."""
    proposal = getattr(instance, "_evidence_proposal", None)
    if proposal is not None and isinstance(instance, (Source, LegalInstrument, Provision)):
        history_instance.evidence_proposal_id = proposal.pk
        history_instance.proposed_by_id = proposal.author_id


def _public_data_changed(sender, **kwargs):
    datacache.raise_version(shared=True)


def _cells_or_evidence_changed(sender, **kwargs):
    """A cell's values or provisions, or the evidence cells cite (a source, an instrument, a
    provision): every page's version rises, but not the shared one (what pages show besides
    the cells and their evidence), so the filter's choices and other reference data read for
    a page stay reusable (`site/cache.py`, `unchanged_by_cells`). The database changes the
    cells version of each country whose cells changed or cite a changed source (migration
    0010), which retires its kept matrix row."""
    datacache.raise_version(shared=False)


# What a change to which raises the version but not the shared version.
CELLS_AND_EVIDENCE = [
    Assessment,
    Assessment.provisions.through,
    Source,
    LegalInstrument,
    Provision,
]


def _receiver_for(sender):
    if sender in CELLS_AND_EVIDENCE:
        return _cells_or_evidence_changed
    return _public_data_changed


def _m2m_links():
    """The through models of the public models' many-to-many fields (cell provisions,
    group members, reserved criteria)."""
    for model in PUBLIC_MODELS:
        for field in model._meta.many_to_many:
            yield field.remote_field.through


def _public_receivers():
    """(signal, sender, dispatch uid) of every public-change receiver."""
    for model in PUBLIC_MODELS:
        uid = f"public-change-{model._meta.model_name}"
        yield post_save, model, uid + "-save"
        yield post_delete, model, uid + "-delete"
    for through in _m2m_links():
        yield m2m_changed, through, f"public-change-{through.__name__}"


def connect():
    pre_create_historical_record.connect(_record_the_proposal, dispatch_uid="record-the-proposal")
    pre_create_historical_record.connect(
        _record_the_evidence_proposal, dispatch_uid="record-the-evidence-proposal"
    )
    for signal, sender, uid in _public_receivers():
        signal.connect(_receiver_for(sender), sender=sender, dispatch_uid=uid)


def disconnect_public_receivers():
    """Only for tests that play a process whose writes bypass the signals."""
    for signal, sender, uid in _public_receivers():
        signal.disconnect(sender=sender, dispatch_uid=uid)
