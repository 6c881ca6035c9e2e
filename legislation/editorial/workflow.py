"""Propose, approve, reject and revert: the only code that writes reviewed values to `Assessment`.

Maker-checker: an edit or an import by anyone (superusers included) becomes a `ChangeProposal`;
only a Reviewer who is not its author can approve it, and only then do public pages see it.

No lost updates: each service is one transaction that locks the cells it touches
(`select_for_update`) and compares `Assessment.version` with the version the author started
from. A cell that changed meanwhile, or that already has someone else's change awaiting review,
is refused with a message saying what the other change was; nothing of the batch is written.
"""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from legislation import rules, statuses
from legislation.models import Assessment, CellValues, ChangeBatch, ChangeProposal
from legislation.statuses import ReasonCode

# The values a proposal carries on its own row (the provisions are a relation).
VALUE_FIELDS = CellValues.scalar_value_names()
# The order and the words a diff uses: every value of a cell, provisions included.
DIFF_FIELDS = list(CellValues.value_labels().items())
PROPOSE_PERMISSION = "legislation.change_assessment"
REVIEW_PERMISSION = "legislation.review_changeproposal"


class WorkflowError(Exception):
    """A refusal; `messages` says why, one line per cell or proposal."""

    def __init__(self, messages):
        self.messages = list(messages)
        super().__init__("; ".join(self.messages))


def snapshot(obj, provisions=None):
    """The values of a cell (an Assessment, a proposal or a historical record) as plain data:
    what a proposal stores as `before` and what diffs compare."""
    if provisions is None:
        provisions = obj.provisions.all()
    provisions = sorted(provisions, key=lambda p: p.pk)
    source = obj.source if obj.source_id is not None else None
    return {
        "status": obj.status,
        "as_of": obj.as_of.isoformat() if obj.as_of else "",
        "as_of_precision": obj.as_of_precision,
        "evidence_grade": obj.evidence_grade,
        "note": obj.note,
        "source": obj.source_id,
        "source_label": source.citation() if source else "",
        "provisions": [p.pk for p in provisions],
        "provisions_label": "; ".join(sorted(p.citation() for p in provisions)),
    }


def empty_snapshot():
    """The values of a cell nobody has assessed: the model's own defaults."""
    return snapshot(Assessment(), provisions=[])


def _display(values, name):
    if name == "status":
        return statuses.label(values["status"])
    if name == "source":
        return values["source_label"] or "—"
    if name == "provisions":
        return values["provisions_label"] or "—"
    return values[name] or "—"


def diff(before, after):
    """[(field label, old, new)] for every field that differs, in a fixed order."""
    changes = []
    for name, label in DIFF_FIELDS:
        if name == "source":
            differs = before["source_label"] != after["source_label"]
        else:
            differs = before[name] != after[name]
        if differs:
            changes.append((label, _display(before, name), _display(after, name)))
    return changes


def same_values(a, b):
    return not diff(a, b)


def describe_diff(changes):
    return "; ".join(f"{label}: {old} → {new}" for label, old, new in changes) or "no change"


def describe_proposal(proposal):
    return (
        f"change #{proposal.pk} by {proposal.batch.author} "
        f"({describe_diff(diff(proposal.before, snapshot(proposal)))})"
    )


def describe_last_change(cell):
    """Who last changed an approved cell, and how: shown to the person whose save is refused."""
    records = list(
        cell.history.select_related("history_user", "proposed_by").order_by("-history_id")[:2]
    )
    if not records:
        return "no history recorded"
    latest = records[0]
    who = latest.history_user or "the reference data loader"
    if latest.proposed_by:
        who = f"{latest.proposed_by} (approved by {latest.history_user})"
    when = timezone.localtime(latest.history_date).strftime("%Y-%m-%d %H:%M")
    text = f"{who} on {when} (“{latest.history_change_reason or 'no reason given'}”)"
    if len(records) == 2:
        text += ": " + describe_diff(diff(history_snapshot(records[1]), history_snapshot(latest)))
    return text


def history_snapshot(record):
    return snapshot(record, provisions=[row.provision for row in record.provisions.all()])


def cell_label(cell):
    return f"{cell.country.name} – {cell.criterion.code}"


@dataclass
class Change:
    """What an author wants one cell to become, and the version of the cell they started from."""

    assessment: Assessment
    base_version: int
    values: dict  # the VALUE_FIELDS, with `source` a Source or None
    provisions: list = field(default_factory=list)
    where: str = ""  # e.g. "Row 7", so refusals point at the row of a file
    reason_code: str = ""  # this cell's kind of change, when it differs from the batch's


@dataclass
class ProposeResult:
    batch: ChangeBatch | None = None
    proposals: list = field(default_factory=list)
    unchanged: int = 0
    superseded: list = field(default_factory=list)


def stale_problem(cell, base_version):
    """Why a change started from `base_version` of `cell` cannot be made, or ""."""
    if base_version is None or cell.version == base_version:
        return ""
    return (
        f"{cell_label(cell)} was changed by someone else after you opened it (you "
        f"started from version {base_version}, it is now version {cell.version}): "
        f"{describe_last_change(cell)}. Your change was not saved; reload (or export again), "
        "check, and make it again if it is still needed."
    )


def pending_problem(cell, author, pending):
    """Why someone else's change awaiting review on `cell` blocks this one, or ""."""
    others = [p for p in pending if p.batch.author_id != getattr(author, "pk", None)]
    if not others:
        return ""
    return (
        f"{cell_label(cell)} already has a change awaiting review: "
        f"{describe_proposal(others[0])}. Your change was not saved; ask a Reviewer to "
        "decide that one first."
    )


@dataclass
class ProposalPreview:
    """What proposing `values` for one cell would do, worked out without writing anything."""

    before: dict
    after: dict
    changes: list  # diff(before, after)
    problems: list  # [(field, or one of NOT_A_VALUE, message)]: the proposal is refused
    own: list  # the author's own pending proposals for the cell
    outcome: str  # "new", "changed", "unchanged" or "refused"
    notes: list = field(default_factory=list)
    supersedes: list = field(default_factory=list)  # own pending proposals it withdraws

    @property
    def proposable(self):
        return self.outcome in ("new", "changed")


def preview(cell, values, provisions, author, *, base_version=None, pending=()):
    """The one check of a proposed change, used by the admin, the import's dry run and
    `propose()`: allowed values, the version it started from (None: not checked), other
    people's pending proposals, and whether it changes anything at all."""
    before = snapshot(cell)
    after = snapshot(_Values(values), provisions=[p for p in provisions if p is not None])
    own = [p for p in pending if p.batch.author_id == getattr(author, "pk", None)]
    problems = rules.cell_value_problems(
        cell.criterion, cell.country_id, values.get("status"), values.get("source"), provisions
    )
    for name, message in (
        ("version", stale_problem(cell, base_version)),
        ("pending", pending_problem(cell, author, pending)),
    ):
        if message:
            problems.append((name, message))
    result = ProposalPreview(before, after, diff(before, after), problems, own, "refused")
    if problems:
        return result
    if not result.changes:
        result.outcome, result.supersedes = "unchanged", own
        if own:
            result.notes.append(
                f"withdraws your pending change #{own[0].pk}, as the approved value is kept"
            )
    elif any(same_values(snapshot(p), after) for p in own):
        result.outcome = "unchanged"
        result.notes.append(f"already proposed as change #{own[0].pk}, awaiting review")
    else:
        result.supersedes = own
        if own:
            result.notes.append(f"replaces your pending change #{own[0].pk}")
        new = before["status"] == statuses.Status.NOT_ASSESSED
        result.outcome = "new" if new else "changed"
    return result


def pending_by_cell(cell_ids=None, lock=False):
    """Pending proposals grouped by cell id; for every cell when `cell_ids` is None."""
    queryset = ChangeProposal.objects.pending()
    if cell_ids is not None:
        queryset = queryset.filter(assessment_id__in=cell_ids)
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    result = {}
    for proposal in queryset.select_related("batch__author", "source").prefetch_related(
        "provisions__instrument"
    ):
        result.setdefault(proposal.assessment_id, []).append(proposal)
    return result


def lock_cells(cell_ids):
    return (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("country", "criterion", "source")
        .prefetch_related("provisions__instrument")
        .in_bulk(cell_ids)
    )


def propose(
    author,
    reason,
    changes,
    *,
    kind=ChangeBatch.Kind.EDIT,
    file_name="",
    sha256="",
    reverts=None,
    reason_code=ReasonCode.NEW_EVIDENCE,
    public_reason="",
):
    """Turn `changes` into pending proposals, all or none. Changes equal to the approved value
    are skipped (and withdraw the author's own pending proposal for that cell); a change equal
    to the author's own pending proposal is skipped too, so proposing twice changes nothing.

    `reason` is the internal reason (staff pages); `reason_code` and `public_reason` are what
    the public change log, `/changes/` and the feeds show."""
    if not author.has_perm(PROPOSE_PERMISSION):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise WorkflowError(["A reason for the change is required."])
    limit = ChangeBatch._meta.get_field("reason").max_length
    if len(reason) > limit:
        raise WorkflowError([f"The reason is {len(reason)} characters long; the limit is {limit}."])
    codes = {reason_code, *(c.reason_code for c in changes if c.reason_code)}
    if not codes <= set(ReasonCode.values):
        raise WorkflowError(
            [f"Unknown kind of change: {', '.join(sorted(codes - set(ReasonCode.values)))}."]
        )
    result = ProposeResult()
    with transaction.atomic():
        cell_ids = [c.assessment.pk for c in changes]
        cells = lock_cells(cell_ids)
        pending = pending_by_cell(cell_ids, lock=True)
        errors, to_create = [], []
        for change in changes:
            cell = cells[change.assessment.pk]
            prefix = f"{change.where}: " if change.where else ""
            check = preview(
                cell,
                change.values,
                change.provisions,
                author,
                base_version=change.base_version,
                pending=pending.get(cell.pk, []),
            )
            if check.problems:
                errors += [prefix + problem_text(cell, f, m) for f, m in check.problems]
                continue
            result.superseded += check.supersedes
            if check.proposable:
                to_create.append((change, cell, check.before))
            else:
                result.unchanged += 1
        if errors:
            raise WorkflowError(errors)
        if result.superseded:
            ChangeProposal.objects.filter(pk__in=[p.pk for p in result.superseded]).update(
                state=ChangeProposal.State.SUPERSEDED, reviewed_at=timezone.now()
            )
        if not to_create:
            return result
        result.batch = ChangeBatch.objects.create(
            kind=kind,
            author=author,
            reason=reason,
            file_name=file_name,
            file_sha256=sha256,
            reverts=reverts,
            reason_code=reason_code,
            public_reason=(public_reason or "").strip(),
        )
        result.proposals = _create_proposals(result.batch, to_create)
    return result


def _create_proposals(batch, to_create):
    """The batch's proposals and their cited provisions, in two bulk inserts."""
    proposals = ChangeProposal.objects.bulk_create(
        [
            ChangeProposal(
                batch=batch,
                assessment=cell,
                base_version=change.base_version,
                before=before,
                # A row's own kind of change, kept only where it differs from the batch's.
                reason_code=change.reason_code if change.reason_code != batch.reason_code else "",
                **change.values,
            )
            for change, cell, before in to_create
        ]
    )
    Through = ChangeProposal.provisions.through
    Through.objects.bulk_create(
        [
            Through(changeproposal_id=proposal.pk, provision_id=provision.pk)
            for proposal, (change, _, _) in zip(proposals, to_create, strict=True)
            for provision in change.provisions
        ]
    )
    return proposals


def problem_text(cell, field_name, message):
    """A refusal as one line: value problems name the cell, stale and pending ones do already."""
    if field_name in NOT_A_VALUE:
        return message
    return f"{cell_label(cell)}: {message}"


# Problems `preview` reports that are about the proposal, not about one of its values.
NOT_A_VALUE = ("version", "pending")


class _Values:
    """Proposed values dressed as a record, so `snapshot` can read them."""

    def __init__(self, values):
        for name in VALUE_FIELDS:
            setattr(self, name, values.get(name))
        self.source_id = self.source.pk if self.source else None
        self.evidence_grade = self.evidence_grade or ""
        self.note = self.note or ""


def approve(reviewer, proposal_ids, comment=""):
    """Apply the proposals to their cells, all or none. Refused for the author's own change, for
    a proposal no longer pending, and for one whose cell changed after it was made."""
    if not reviewer.has_perm(REVIEW_PERMISSION):
        raise PermissionDenied
    now = timezone.now()
    with transaction.atomic():
        proposals = list(
            ChangeProposal.objects.select_for_update(of=("self",))
            .filter(pk__in=proposal_ids)
            .select_related("batch__author", "source")
            .prefetch_related("provisions__instrument")
            .order_by("pk")
        )
        if not proposals:
            raise WorkflowError(["No proposal was selected."])
        cells = lock_cells([p.assessment_id for p in proposals])
        errors = []
        for proposal in proposals:
            cell = cells[proposal.assessment_id]
            label = f"Change #{proposal.pk} ({cell_label(cell)})"
            if proposal.state != ChangeProposal.State.PENDING:
                errors.append(f"{label} is {proposal.get_state_display()}, not pending.")
            elif proposal.batch.author_id == reviewer.pk:
                errors.append(f"{label} is your own change: another Reviewer must approve it.")
            elif cell.version != proposal.base_version:
                errors.append(
                    f"{label} was made against version {proposal.base_version} of the cell, "
                    f"which has since changed: {describe_last_change(cell)}. Reject it and ask "
                    "the author to make it again on the current value."
                )
            else:
                errors += [f"{label}: {m}" for m in _apply(proposal, cell, reviewer, now)]
        if errors:
            raise WorkflowError(errors)
        for proposal in proposals:
            proposal.state = ChangeProposal.State.APPROVED
            proposal.reviewed_by = reviewer
            proposal.reviewed_at = now
            proposal.review_comment = comment.strip()
            proposal.save(update_fields=["state", "reviewed_by", "reviewed_at", "review_comment"])
    return proposals


def _apply(proposal, cell, reviewer, now):
    for name in VALUE_FIELDS:
        setattr(cell, name, getattr(proposal, name))
    provisions = list(proposal.provisions.all())
    problems = rules.cell_value_problems(
        cell.criterion, cell.country_id, cell.status, cell.source, provisions
    )
    if problems:
        return [message for _, message in problems]
    # The provisions are set first without a history row of their own, so the one row the
    # save below writes holds the whole new value (fields and provisions) with its reason.
    cell.skip_history_when_saving = True
    cell.provisions.set(provisions)
    del cell.skip_history_when_saving
    cell.version += 1
    cell.reviewed_by = reviewer
    cell.reviewed_at = now
    cell._change_reason = proposal.batch.reason
    cell._history_user = reviewer
    cell._proposal = proposal
    cell.save()
    return []


def reject(reviewer, proposal_ids, comment):
    """Close the proposals without touching their cells; the comment tells the author why."""
    if not reviewer.has_perm(REVIEW_PERMISSION):
        raise PermissionDenied
    comment = (comment or "").strip()
    if not comment:
        raise WorkflowError(["Say why the change is rejected: the author reads the comment."])
    with transaction.atomic():
        proposals = list(
            ChangeProposal.objects.select_for_update().filter(pk__in=proposal_ids).order_by("pk")
        )
        if not proposals:
            raise WorkflowError(["No proposal was selected."])
        closed = [p for p in proposals if p.state != ChangeProposal.State.PENDING]
        if closed:
            raise WorkflowError(
                [f"Change #{p.pk} is {p.get_state_display()}, not pending." for p in closed]
            )
        ChangeProposal.objects.filter(pk__in=[p.pk for p in proposals]).update(
            state=ChangeProposal.State.REJECTED,
            reviewed_by=reviewer,
            reviewed_at=timezone.now(),
            review_comment=comment,
        )
    return proposals


def propose_revert_of_batch(
    author, batch, reason, *, reason_code=ReasonCode.ERROR_CORRECTED, public_reason=""
):
    """Propose putting every cell an approved batch changed back to its value before the batch.
    The revert is itself a batch of proposals and needs a Reviewer's approval."""
    HistoricalAssessment = Assessment.history.model
    approved = list(
        batch.proposals.filter(state=ChangeProposal.State.APPROVED).select_related(
            "assessment__country", "assessment__criterion"
        )
    )
    if not approved:
        raise WorkflowError([f"{batch} has no approved change to revert."])
    records = {
        r.proposal_id: r
        for r in HistoricalAssessment.objects.filter(proposal_id__in=[p.pk for p in approved])
    }
    changes, errors = [], []
    for proposal in approved:
        cell = proposal.assessment
        applied = records.get(proposal.pk)
        latest = cell.history.order_by("-history_id").first()
        if applied is None or latest.history_id != applied.history_id:
            errors.append(
                f"{cell_label(cell)} has changed again since change #{proposal.pk}: "
                f"{describe_last_change(cell)}. Revert that cell by hand from its history."
            )
            continue
        previous = applied.prev_record
        changes.append(
            Change(
                assessment=cell,
                base_version=cell.version,
                values={name: getattr(previous, name) for name in VALUE_FIELDS},
                provisions=[row.provision for row in previous.provisions.all()],
            )
        )
    if errors:
        raise WorkflowError(errors)
    return propose(
        author,
        reason,
        changes,
        kind=ChangeBatch.Kind.REVERT,
        reverts=batch,
        reason_code=reason_code,
        public_reason=public_reason,
    )
