"""The review queues: cell change proposals, change batches and evidence proposals."""

from django.contrib import admin, messages
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.html import format_html

from legislation.admin.filters import BatchFilter, ProposalCountryFilter, StateFilter
from legislation.admin.forms import RevertBatchForm, ReviewCommentForm
from legislation.admin.pending import diff_list, evidence_diff_list, report_proposals
from legislation.editorial import evidence, workflow
from legislation.models import (
    ChangeBatch,
    ChangeProposal,
    EvidenceProposal,
)
from legislation.wording import counted


class ListOnlyAdminMixin:
    """Proposals and batches change only through the workflow's actions, never a form."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReviewDecisionMixin:
    """Approve or reject from a queue, after a confirmation page showing the diffs; shared by
    the cells' queue and the evidence queue, which differ in their diff and template."""

    decide_template = "admin/legislation/changeproposal/decide.html"
    decide_noun = "change"

    def diff_of(self, obj):
        return diff_list(obj)

    def has_review_permission(self, request):
        return request.user.has_perm(workflow.REVIEW_PERMISSION)

    @admin.display(description="#", ordering="pk")
    def number(self, obj):
        return obj.pk

    @admin.display(description="state", ordering="state")
    def state_display(self, obj):
        if obj.state == ChangeProposal.State.PENDING:
            return obj.get_state_display()
        return format_html(
            "{} by {}<br><small>{}</small>",
            obj.get_state_display(),
            obj.reviewed_by or "—",
            obj.review_comment,
        )

    def _decide(self, request, queryset, decision, verb, imperative):
        from django.template.response import TemplateResponse

        proposals = list(queryset)
        for proposal in proposals:
            proposal.diff_html = self.diff_of(proposal)
        form = ReviewCommentForm(request.POST if "decide" in request.POST else None)
        if form.is_valid():
            try:
                decision(request.user, [p.pk for p in proposals], form.cleaned_data["comment"])
            except workflow.WorkflowError as error:
                # Explained once, on the same page, with the selection kept for a second try.
                for message in error.messages:
                    form.add_error(None, f"Nothing was {verb}: {message}")
            else:
                done = f"{counted(len(proposals), self.decide_noun)} {verb}."
                self.message_user(request, done, messages.SUCCESS)
                return None
        ctx = {
            **self.admin_site.each_context(request),
            "title": f"{imperative} {counted(len(proposals), self.decide_noun)}?",
            "imperative": imperative,
            "opts": self.model._meta,
            "proposals": proposals,
            "form": form,
            "action": request.POST.get("action"),
            "verb": verb,
            "selected": [p.pk for p in proposals],
        }
        return TemplateResponse(request, self.decide_template, ctx)


@admin.register(ChangeProposal)
class ChangeProposalAdmin(ReviewDecisionMixin, ListOnlyAdminMixin, admin.ModelAdmin):
    """The Reviewers' queue: pending changes with their diffs; approve or reject with a comment."""

    class Media:
        css = {"all": ["legislation/review.css"]}

    list_display = ["number", "cell", "change", "author", "reason", "created", "state_display"]
    list_filter = [
        StateFilter,
        ProposalCountryFilter,
        ("assessment__criterion__framework", admin.RelatedOnlyFieldListFilter),
        ("batch__author", admin.RelatedOnlyFieldListFilter),
        BatchFilter,
    ]
    search_fields = ["assessment__country__name", "assessment__criterion__code", "batch__reason"]
    actions = ["approve_selected", "reject_selected"]
    list_per_page = 200
    readonly_fields = [
        "number",
        "cell",
        "change",
        "author",
        "reason",
        "created",
        "state_display",
        "reviewed_by",
        "reviewed_at",
        "review_comment",
        "base_version",
    ]
    fields = readonly_fields

    def get_queryset(self, request):
        return super().get_queryset(request).for_queue()

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            "title": "Review queue: proposed changes",
            **pending_evidence_context(),
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context)

    @admin.display(description="cell")
    def cell(self, obj):
        return format_html(
            '<a href="{}">{}</a> – {}<br><small>{}</small>',
            reverse("admin:legislation_assessment_change", args=[obj.assessment_id]),
            obj.assessment.country,
            obj.assessment.criterion.code,
            obj.assessment.criterion.framework,
        )

    @admin.display(description="change (approved → proposed)")
    def change(self, obj):
        return diff_list(obj)

    @admin.display(description="author", ordering="batch__author__username")
    def author(self, obj):
        return obj.batch.author

    @admin.display(description="reason")
    def reason(self, obj):
        return format_html("{}<br><small>{}</small>", obj.batch.reason, obj.batch)

    @admin.display(description="proposed", ordering="batch__created_at")
    def created(self, obj):
        return obj.batch.created_at

    @admin.action(description="Approve the selected changes", permissions=["review"])
    def approve_selected(self, request, queryset):
        return self._decide(request, queryset, workflow.approve, "approved", "Approve")

    @admin.action(description="Reject the selected changes", permissions=["review"])
    def reject_selected(self, request, queryset):
        return self._decide(request, queryset, workflow.reject, "rejected", "Reject")


@admin.register(ChangeBatch)
class ChangeBatchAdmin(ListOnlyAdminMixin, admin.ModelAdmin):
    """Every save, import and revert, with what became of its proposals; a batch that was
    approved can be reverted, through review again."""

    list_display = ["__str__", "kind", "author", "reason", "created_at", "progress", "review"]
    list_filter = ["kind", ("author", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["author"]
    search_fields = ["reason", "file_name"]
    actions = ["propose_revert"]
    readonly_fields = [
        "kind",
        "author",
        "reason",
        "file_name",
        "file_sha256",
        "reverts",
        "created_at",
        "progress",
        "review",
    ]
    fields = readonly_fields

    def get_queryset(self, request):
        states = ChangeProposal.State
        return (
            super()
            .get_queryset(request)
            .annotate(
                **{
                    f"n_{state}": Count("proposals", filter=Q(proposals__state=state))
                    for state in states.values
                }
            )
        )

    def has_propose_permission(self, request):
        return request.user.has_perm(workflow.PROPOSE_PERMISSION)

    @admin.display(description="proposals")
    def progress(self, obj):
        return ", ".join(
            f"{getattr(obj, f'n_{state}', 0)} {label}"
            for state, label in ChangeProposal.State.choices
            if getattr(obj, f"n_{state}", 0)
        )

    @admin.display(description="review")
    def review(self, obj):
        return format_html(
            '<a href="{}?batch={}&amp;state=all">see its changes</a>',
            reverse("admin:legislation_changeproposal_changelist"),
            obj.pk,
        )

    @admin.action(
        description="Propose reverting the selected approved batches (needs review)",
        permissions=["propose"],
    )
    def propose_revert(self, request, queryset):
        """A page asking why (reason, kind of change, public reason), then one revert proposal
        per batch, each needing a Reviewer's approval."""
        from django.template.response import TemplateResponse

        batches = list(queryset.order_by("pk"))
        confirmed = "decide" in request.POST
        form = RevertBatchForm(request.POST if confirmed else None, batches=batches)
        if form.is_valid():
            for batch in batches:
                try:
                    result = workflow.propose_revert_of_batch(
                        request.user,
                        batch,
                        form.cleaned_data["reason"],
                        reason_code=form.cleaned_data["reason_code"],
                        public_reason=form.cleaned_data["public_reason"],
                    )
                except workflow.WorkflowError as error:
                    for message in error.messages:
                        self.message_user(request, message, messages.ERROR)
                    continue
                report_proposals(self, request, result)
            return None
        ctx = {
            **self.admin_site.each_context(request),
            "title": f"Propose reverting {counted(len(batches), 'batch')}?",
            "opts": self.model._meta,
            "batches": batches,
            "form": form,
            "action": request.POST.get("action"),
            "selected": [b.pk for b in batches],
        }
        return TemplateResponse(request, "admin/legislation/changebatch/revert.html", ctx)


# --- Evidence review queue --------------------------------------------------------------------


@admin.register(EvidenceProposal)
class EvidenceProposalAdmin(ReviewDecisionMixin, ListOnlyAdminMixin, admin.ModelAdmin):
    """Changes to cited sources, instruments and provisions, with their diffs: the sibling of
    the cells' queue, whose page lists these too. Approve or reject with a comment."""

    class Media:
        css = {"all": ["legislation/review.css"]}

    list_display = [
        "number",
        "record_link",
        "change",
        "author",
        "reason",
        "created_at",
        "state_display",
    ]
    list_filter = [StateFilter, ("author", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["reason", "source__title", "instrument__title", "provision__reference"]
    actions = ["approve_selected", "reject_selected"]
    list_per_page = 200
    readonly_fields = [
        "number",
        "record_link",
        "change",
        "author",
        "reason",
        "created_at",
        "state_display",
        "reviewed_by",
        "reviewed_at",
        "review_comment",
    ]
    fields = readonly_fields
    decide_template = "admin/legislation/evidenceproposal/decide.html"
    decide_noun = "evidence change"

    def diff_of(self, obj):
        return evidence_diff_list(obj)

    def get_queryset(self, request):
        return super().get_queryset(request).for_queue()

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            "title": "Review queue: proposed evidence changes",
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context)

    @admin.display(description="record")
    def record_link(self, obj):
        record = obj.record
        info = (record._meta.app_label, record._meta.model_name)
        return format_html(
            '<a href="{}">{}</a><br><small>{}</small>',
            reverse("admin:{}_{}_change".format(*info), args=[record.pk]),
            record,
            obj.record_kind,
        )

    @admin.display(description="change (approved → proposed)")
    def change(self, obj):
        return evidence_diff_list(obj)

    @admin.action(description="Approve the selected evidence changes", permissions=["review"])
    def approve_selected(self, request, queryset):
        return self._decide(request, queryset, evidence.approve, "approved", "Approve")

    @admin.action(description="Reject the selected evidence changes", permissions=["review"])
    def reject_selected(self, request, queryset):
        return self._decide(request, queryset, evidence.reject, "rejected", "Reject")


def pending_evidence_context():
    """For the cells' queue page: the evidence changes awaiting review, listed above it."""
    pending = list(EvidenceProposal.objects.pending().for_queue().order_by("pk")[:50])
    for proposal in pending:
        proposal.diff_html = evidence_diff_list(proposal)
    return {
        "evidence_pending": pending,
        "evidence_pending_count": EvidenceProposal.objects.pending().count(),
    }
