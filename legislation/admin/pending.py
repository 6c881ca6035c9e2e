"""Pending proposals shown beside the records they would change: summaries, diffs, messages."""

from django.contrib import messages
from django.db.models import Prefetch
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from legislation.editorial import evidence, workflow
from legislation.models import (
    ChangeBatch,
    ChangeProposal,
)
from legislation.wording import counted


def pending_prefetch():
    return Prefetch(
        "proposals",
        queryset=ChangeProposal.objects.pending()
        .select_related("batch__author", "source")
        .prefetch_related("provisions__instrument"),
        to_attr="pending_list",
    )


def diff_list(proposal):
    return diff_html(workflow.diff(proposal.before, workflow.snapshot(proposal)))


def diff_html(changes):
    """[(field, old, new)] as the list of struck-out and inserted values every diff shows."""
    if not changes:
        return "no change"
    return format_html(
        '<ul class="diff">{}</ul>',
        format_html_join(
            "",
            "<li>{}: <del>{}</del> → <ins>{}</ins></li>",
            changes,
        ),
    )


def pending_summary(pending):
    if not pending:
        return "—"
    return format_html_join(
        "",
        "<p>Change #{} by {}:{}</p>",
        ((p.pk, p.batch.author, diff_list(p)) for p in pending),
    )


def propose_or_report(request, reason, changes, kind=ChangeBatch.Kind.EDIT, **reasons):
    if not changes:
        return None
    try:
        return workflow.propose(request.user, reason, changes, kind=kind, **reasons)
    except workflow.WorkflowError as error:
        # The form's own checks ran under the same locks, so this only reports what they
        # could not see (nothing has been written).
        for message in error.messages:
            messages.error(request, message)
        return None


def report_proposals(model_admin, request, result):
    if result is None or result.batch is None:
        model_admin.message_user(
            request, "Nothing was proposed: no value differs from the approved one.", messages.INFO
        )
        return
    model_admin.message_user(
        request,
        format_html(
            'Proposed {} as <a href="{}">batch #{}</a>. They reach the public pages '
            "once a Reviewer other than you approves them.",
            counted(len(result.proposals), "change"),
            reverse("admin:legislation_changeproposal_changelist")
            + f"?batch={result.batch.pk}&state=all",
            result.batch.pk,
        ),
        messages.SUCCESS,
    )


def evidence_diff_list(proposal):
    return diff_html(evidence.proposal_diff(proposal))


def evidence_pending_summary(pending):
    if not pending:
        return "—"
    return format_html_join(
        "",
        '<p><a href="{}">Evidence change #{}</a> by {}:{}</p>',
        (
            (
                reverse("admin:legislation_evidenceproposal_change", args=[p.pk]),
                p.pk,
                p.author,
                evidence_diff_list(p),
            )
            for p in pending
        ),
    )
