"""Signal receivers of the app, connected once in `LegislationConfig.ready()`."""

from simple_history.signals import pre_create_historical_record

from .models import Assessment, LegalInstrument, Provision, Source


def _record_the_proposal(sender, instance, history_instance, **kwargs):
    """An approved proposal leaves its id and author on the history row it creates."""
    proposal = getattr(instance, "_proposal", None)
    if proposal is not None and isinstance(instance, Assessment):
        history_instance.proposal_id = proposal.pk
        history_instance.proposed_by_id = proposal.batch.author_id


def _record_the_evidence_proposal(sender, instance, history_instance, **kwargs):
    """An approved change to a source, instrument or provision leaves its proposal and author
    on the history row it creates (`history_user` is the Reviewer who approved it)."""
    proposal = getattr(instance, "_evidence_proposal", None)
    if proposal is not None and isinstance(instance, (Source, LegalInstrument, Provision)):
        history_instance.evidence_proposal_id = proposal.pk
        history_instance.proposed_by_id = proposal.author_id


def connect():
    pre_create_historical_record.connect(_record_the_proposal, dispatch_uid="record-the-proposal")
    pre_create_historical_record.connect(
        _record_the_evidence_proposal, dispatch_uid="record-the-evidence-proposal"
    )
