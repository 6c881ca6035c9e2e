"""Two people for the evidence too: changes to the sources, legal instruments and provisions
that approved cells cite.

A public cell shows its source's title and link and its provisions' instrument, year and
article, read live from those records; editing one changes every page, download and report
that cites it. So a change to a record any cell cites becomes an `EvidenceProposal`: the record
keeps its approved values (and the public keeps seeing them) until a Reviewer other than the
author approves, and only then are the proposed values written, with a history entry naming
the author, the Reviewer and the reason. A record no cell cites yet is still being prepared:
it is saved at once, with its history entry and reason.

No lost updates: each service is one transaction that locks the record and compares its newest
history entry with the one the author's form was opened on (or the proposal was made on); a
record changed meanwhile, or with someone else's change awaiting review, is refused with a
message saying who changed it, when and why.
"""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from legislation.models import Assessment, EvidenceProposal, LegalInstrument, Provision, Source

from .workflow import REVIEW_PERMISSION, WorkflowError, describe_diff

# Each evidence model and the proposal's link to it.
LINKS = {Source: "source", LegalInstrument: "instrument", Provision: "provision"}


def value_fields(model):
    """The fields an editor edits (and a proposal carries): every editable column."""
    return [f for f in model._meta.concrete_fields if f.editable and not f.primary_key]


def _plain(value):
    return value.isoformat() if isinstance(value, datetime.date) else value


def snapshot(record):
    """The record's values as JSON-ready data: `values` by column, `labels` as a diff shows
    them (a related record by its name, so the diff reads the same after it is renamed)."""
    values, labels = {}, {}
    for f in value_fields(type(record)):
        raw = getattr(record, f.attname)
        values[f.attname] = _plain(raw)
        if f.is_relation:
            labels[f.attname] = str(getattr(record, f.name)) if raw is not None else ""
        else:
            labels[f.attname] = "" if raw is None else str(raw)
    return {"values": values, "labels": labels}


def diff(model, before, after):
    """[(field label, old, new)] for every field that differs, in the model's field order."""
    return [
        (str(f.verbose_name), before["labels"][f.attname] or "—", after["labels"][f.attname] or "—")
        for f in value_fields(model)
        if before["values"].get(f.attname) != after["values"].get(f.attname)
    ]


def proposal_diff(proposal):
    return diff(type(proposal.record), proposal.before, proposal.after)


def record_label(record):
    return f"{record._meta.verbose_name} “{record}”"


def citing_cells(record):
    """The approved cells whose evidence includes the record: as their source, as a cited
    provision, or (for an instrument) through one of its provisions."""
    if isinstance(record, Source):
        return Assessment.objects.filter(source=record)
    if isinstance(record, Provision):
        return Assessment.objects.filter(provisions=record)
    return Assessment.objects.filter(provisions__instrument=record)


def is_cited(record):
    return citing_cells(record).exists()


def latest_entry(record):
    return (
        record.history.select_related("history_user", "proposed_by").order_by("-history_id").first()
    )


def describe_entry(entry):
    """Who made a history entry, when and why: ("eddie (approved by rita)", "2026-05-01
    10:00", "Official gazette link"). Staff messages only: it names people."""
    if entry is None:  # history rows removed by hand: say so rather than guess
        return "someone", "an unknown date", "no history recorded"
    who = entry.history_user or "the reference data loader"
    if entry.proposed_by:
        who = f"{entry.proposed_by} (approved by {entry.history_user})"
    when = timezone.localtime(entry.history_date).strftime("%Y-%m-%d %H:%M")
    return str(who), when, entry.history_change_reason or "no reason given"


def describe_proposal(proposal):
    return (
        f"evidence change #{proposal.pk} by {proposal.author} "
        f"({describe_diff(proposal_diff(proposal))})"
    )


def pending_for(record, lock=False):
    queryset = EvidenceProposal.objects.pending().filter(**{LINKS[type(record)]: record})
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    return list(queryset.select_related("author").order_by("pk"))


def _country_of(model, values):
    if model is LegalInstrument:
        return values["country_id"]
    instrument_id = values["instrument_id"]
    return (
        LegalInstrument.objects.filter(pk=instrument_id).values_list("country", flat=True).first()
    )


def _moves_country(record, values):
    """A cited provision (or instrument) moved to another country's law would leave cells
    citing a foreign law: refused, as a cell citing one is."""
    model = type(record)
    if model is Source or values is None:
        return []
    current = _country_of(model, snapshot(record)["values"])
    if _country_of(model, values) == current or not is_cited(record):
        return []
    return [
        f"{record_label(record)} is cited by cells of its country: it cannot move to another "
        "country's law. Record the other country's law as a new record instead."
    ]


def refusals(record, author, seen_history, values=None, pending=None):
    """Why `author` cannot change `record` now, having opened it at history entry
    `seen_history` (None: the record had no history then)."""
    latest = latest_entry(record)
    if (latest.history_id if latest else None) != seen_history:
        who, when, reason = describe_entry(latest)
        return [
            f"{who} changed this record on {when} (“{reason}”) after you opened it. Your "
            "change was not saved; reload the page to see theirs, then make yours again if it "
            "is still needed."
        ]
    if pending is None:
        pending = pending_for(record)
    others = [p for p in pending if p.author_id != author.pk]
    if others:
        return [
            f"{record_label(record)} already has a change awaiting review: "
            f"{describe_proposal(others[0])}. Your change was not saved; ask a Reviewer to "
            "decide that one first."
        ]
    return _moves_country(record, values)


def _with_values(record, values):
    """A fresh copy of the record holding `values` (JSON-ready or Python), and what is wrong
    with it. The copy is never saved unless the change is approved or direct."""
    model = type(record)
    trial = model._default_manager.get(pk=record.pk)
    for f in value_fields(model):
        if f.attname in values:
            setattr(trial, f.attname, f.to_python(values[f.attname]))
    try:
        trial.full_clean()
    except ValidationError as error:
        return trial, [
            f"{record_label(record)}: {m}" for ms in error.message_dict.values() for m in ms
        ]
    return trial, []


def _save(record, reason, user, proposal=None):
    record._change_reason = reason
    record._history_user = user
    record._evidence_proposal = proposal
    record.save()


def _supersede(proposals):
    if proposals:
        EvidenceProposal.objects.filter(pk__in=[p.pk for p in proposals]).update(
            state=EvidenceProposal.State.SUPERSEDED, reviewed_at=timezone.now()
        )


@dataclass
class Submission:
    """What became of an editor's save: written at once (`direct`), proposed, or unchanged."""

    record: object
    direct: bool = False
    proposal: EvidenceProposal | None = None
    superseded: list = field(default_factory=list)

    @property
    def unchanged(self):
        return not self.direct and self.proposal is None


def submit(author, record, values, reason, seen_history):
    """Save `values` ({column: value}) to `record` at once if no approved cell cites it, else
    propose them for review. A value equal to the approved one withdraws the author's own
    pending proposal; proposing the same values twice changes nothing."""
    model = type(record)
    if not author.has_perm(f"legislation.change_{model._meta.model_name}"):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise WorkflowError(["A reason for the change is required."])
    with transaction.atomic():
        record = model._default_manager.select_for_update().get(pk=record.pk)
        pending = pending_for(record, lock=True)
        trial, invalid = _with_values(record, values)
        # An invalid trial (e.g. a missing instrument) cannot be read back for the move check.
        proposed = None if invalid else snapshot(trial)["values"]
        problems = refusals(record, author, seen_history, proposed, pending)
        if problems or invalid:
            raise WorkflowError(problems or invalid)
        own = [p for p in pending if p.author_id == author.pk]
        result = Submission(record=record)
        before, after = snapshot(record), snapshot(trial)
        if before["values"] == after["values"] or not is_cited(record):
            result.superseded = own
            _supersede(own)
            if before["values"] != after["values"]:
                _save(trial, reason, author)
                result.record, result.direct = trial, True
            return result
        if any(p.after["values"] == after["values"] for p in own):
            return result
        result.superseded = own
        _supersede(own)
        latest = latest_entry(record)
        result.proposal = EvidenceProposal.objects.create(
            **{LINKS[model]: record},
            author=author,
            reason=reason,
            base_history_id=latest.history_id if latest else None,
            before=before,
            after=after,
        )
    return result


def _approve_one(proposal, reviewer):
    """Write one proposal's values to its (locked) record; the reasons it cannot be, if any."""
    label = f"Evidence change #{proposal.pk} ({record_label(proposal.record)})"
    if proposal.state != EvidenceProposal.State.PENDING:
        return [f"{label} is {proposal.get_state_display()}, not pending."]
    if proposal.author_id == reviewer.pk:
        return [f"{label} is your own change: another Reviewer must approve it."]
    model = type(proposal.record)
    record = model._default_manager.select_for_update().get(pk=proposal.record.pk)
    latest = latest_entry(record)
    if (latest.history_id if latest else None) != proposal.base_history_id:
        who, when, reason = describe_entry(latest)
        return [
            f"{label} was made on a version of the record that has since changed: {who} "
            f"changed it on {when} (“{reason}”). Reject it and ask the author to make it "
            "again on the current value."
        ]
    trial, invalid = _with_values(record, proposal.after["values"])
    problems = invalid or _moves_country(record, proposal.after["values"])
    if problems:
        return [f"{label}: {p}" for p in problems]
    _save(trial, proposal.reason, reviewer, proposal)
    return []


def approve(reviewer, proposal_ids, comment=""):
    """Apply the proposals to their records, all or none. Refused for the author's own change,
    for a proposal no longer pending, and for one whose record changed after it was made."""
    if not reviewer.has_perm(REVIEW_PERMISSION):
        raise PermissionDenied
    with transaction.atomic():
        proposals = _locked(proposal_ids)
        errors = [e for proposal in proposals for e in _approve_one(proposal, reviewer)]
        if errors:
            raise WorkflowError(errors)  # leaving the block rolls back what was applied
        _decide(proposals, EvidenceProposal.State.APPROVED, reviewer, comment)
    return proposals


def reject(reviewer, proposal_ids, comment):
    """Close the proposals without touching their records; the comment tells the author why."""
    if not reviewer.has_perm(REVIEW_PERMISSION):
        raise PermissionDenied
    comment = (comment or "").strip()
    if not comment:
        raise WorkflowError(["Say why the change is rejected: the author reads the comment."])
    with transaction.atomic():
        proposals = _locked(proposal_ids)
        closed = [p for p in proposals if p.state != EvidenceProposal.State.PENDING]
        if closed:
            raise WorkflowError(
                [
                    f"Evidence change #{p.pk} is {p.get_state_display()}, not pending."
                    for p in closed
                ]
            )
        _decide(proposals, EvidenceProposal.State.REJECTED, reviewer, comment)
    return proposals


def _locked(proposal_ids):
    proposals = list(
        EvidenceProposal.objects.select_for_update(of=("self",))
        .filter(pk__in=proposal_ids)
        .for_queue()
        .order_by("pk")
    )
    if not proposals:
        raise WorkflowError(["No proposal was selected."])
    return proposals


def _decide(proposals, state, reviewer, comment):
    EvidenceProposal.objects.filter(pk__in=[p.pk for p in proposals]).update(
        state=state,
        reviewed_by=reviewer,
        reviewed_at=timezone.now(),
        review_comment=comment.strip(),
    )
    for proposal in proposals:
        proposal.state, proposal.reviewed_by = state, reviewer
