"""Signal receivers of the app, connected once in `LegislationConfig.ready()`."""

from simple_history.signals import pre_create_historical_record

from .models import Assessment


def _record_the_proposal(sender, instance, history_instance, **kwargs):
    """An approved proposal leaves its id and author on the history row it creates."""
    proposal = getattr(instance, "_proposal", None)
    if proposal is not None and isinstance(instance, Assessment):
        history_instance.proposal_id = proposal.pk
        history_instance.proposed_by_id = proposal.batch.author_id


def connect():
    pre_create_historical_record.connect(_record_the_proposal, dispatch_uid="record-the-proposal")
