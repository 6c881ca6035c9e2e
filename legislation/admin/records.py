"""Evidence and treaty record admins: sources, instruments, provisions, treaty participation."""

from django.contrib import admin, messages
from django.db import transaction
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html

from legislation.admin.filters import GroupFilter
from legislation.admin.forms import EvidenceChangeForm
from legislation.admin.pending import evidence_pending_summary
from legislation.admin.reasoned_history import ReasonedHistoryAdmin
from legislation.editorial import evidence, workflow
from legislation.models import (
    LegalInstrument,
    Provision,
    Source,
    TreatyParticipation,
    TreatyReservation,
)
from legislation.wording import plural

# --- Evidence: sources, instruments and provisions -------------------------------------------
# A change to a record an approved cell cites is proposed for review (editorial/evidence.py);
# a record nobody cites yet is saved at once. Either way, with its reason in history.


class EvidenceReviewAdmin(ReasonedHistoryAdmin):
    """Sources, instruments and provisions: an edit of a cited record becomes a proposal."""

    class Media:
        css = {"all": ["legislation/review.css"]}

    form = EvidenceChangeForm
    history_list_display = ["proposed_by", "evidence_proposal"]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (form,), {"user": request.user})

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        return [*readonly, "awaiting_review", "cited_by"] if obj is not None else readonly

    @admin.display(description="awaiting review")
    def awaiting_review(self, obj):
        return evidence_pending_summary(evidence.pending_for(obj))

    @admin.display(description="cited by")
    def cited_by(self, obj):
        count = evidence.citing_cells(obj).distinct().count()
        if not count:
            return "no approved cell yet: changes are saved at once"
        return f"{count} approved {plural('cell', count)}: changes need a Reviewer's approval"

    @transaction.atomic
    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # The revert form's checks lock the record, which needs a transaction (PostgreSQL).
        return super().history_form_view(request, object_id, version_id, extra_context)

    def save_model(self, request, obj, form, change):
        if not change:  # a new record: no cell can cite it yet
            super().save_model(request, obj, form, change)
            return
        try:
            request.evidence_submission = evidence.submit(
                request.user,
                obj,
                form.proposed_values(),
                form.cleaned_data["change_reason"],
                form.cleaned_data.get("seen_history"),
            )
        except workflow.WorkflowError as error:
            # The form's checks ran under the same lock, so this reports only what they could
            # not see (nothing has been written).
            request.evidence_submission = None
            for message in error.messages:
                messages.error(request, message)

    def log_change(self, request, obj, message):
        submission = getattr(request, "evidence_submission", None)
        if submission is not None and submission.direct:
            super().log_change(request, obj, message)

    def response_change(self, request, obj):
        submission = getattr(request, "evidence_submission", None)
        if submission is not None and submission.direct:
            return super().response_change(request, obj)
        if submission is not None and submission.proposal is not None:
            self.message_user(
                request,
                format_html(
                    'Proposed as <a href="{}">evidence change #{}</a>: approved cells cite this '
                    "record, so public pages show the change once a Reviewer other than you "
                    "approves it.",
                    reverse(
                        "admin:legislation_evidenceproposal_change", args=[submission.proposal.pk]
                    ),
                    submission.proposal.pk,
                ),
                messages.SUCCESS,
            )
        elif submission is not None:
            self.message_user(request, "Nothing was changed.", messages.INFO)
        info = (obj._meta.app_label, obj._meta.model_name)
        return HttpResponseRedirect(reverse("admin:{}_{}_change".format(*info), args=[obj.pk]))


class ProvisionInline(admin.TabularInline):
    model = Provision
    extra = 1
    fields = ["reference", "excerpt", "url"]


@admin.register(LegalInstrument)
class LegalInstrumentAdmin(EvidenceReviewAdmin):
    list_display = ["title", "country", "year", "in_force_date", "language"]
    list_filter = ["country__region", GroupFilter]
    list_select_related = ["country"]
    search_fields = ["title", "country__name", "country__iso2"]
    autocomplete_fields = ["country"]


@admin.register(Provision)
class ProvisionAdmin(EvidenceReviewAdmin):
    list_display = ["reference", "instrument", "country"]
    list_select_related = ["instrument__country"]
    search_fields = [
        "reference",
        "excerpt",
        "instrument__title",
        "instrument__country__name",
        "instrument__country__iso2",
    ]
    autocomplete_fields = ["instrument"]

    @admin.display(ordering="instrument__country__name")
    def country(self, obj):
        return obj.instrument.country


@admin.register(Source)
class SourceAdmin(EvidenceReviewAdmin):
    list_display = ["title", "publisher", "year", "page"]
    search_fields = ["title", "publisher"]


class TreatyReservationInline(admin.StackedInline):
    model = TreatyReservation
    fk_name = "participation"
    extra = 0
    filter_horizontal = ["criteria"]
    raw_id_fields = ["objects_to"]


@admin.register(TreatyParticipation)
class TreatyParticipationAdmin(ReasonedHistoryAdmin):
    list_display = ["country", "treaty", "action", "signed", "ratified", "in_force", "date_quality"]
    list_filter = ["treaty", "action", "date_quality"]
    list_select_related = ["country", "treaty"]
    search_fields = ["country__name", "country__iso2"]
    autocomplete_fields = ["country"]
    inlines = [TreatyReservationInline]

    def save_formset(self, request, form, formset, change):
        for reservation in formset.save(commit=False):
            reservation._change_reason = form.cleaned_data["change_reason"]
            reservation.save()
        for reservation in formset.deleted_objects:
            reservation._change_reason = form.cleaned_data["change_reason"]
            reservation.delete()
        formset.save_m2m()
