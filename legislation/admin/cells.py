"""The assessment (cell) admin and the inline that lists a country's cells."""

from django.contrib import admin
from django.db.models import Count, Q
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html

from legislation import statuses
from legislation.admin.filters import GroupFilter
from legislation.admin.forms import AssessmentForm, AssessmentInlineForm
from legislation.admin.pending import (
    pending_prefetch,
    pending_summary,
    propose_or_report,
    report_proposals,
)
from legislation.admin.reasoned_history import ReasonedHistoryAdmin
from legislation.models import (
    Assessment,
    ChangeBatch,
    ChangeProposal,
)
from legislation.wording import counted


def status_badge(status):
    return format_html(
        '<span class="status {}">{}</span>', statuses.css_class(status), statuses.label(status)
    )


class AssessmentInline(admin.TabularInline):
    model = Assessment
    form = AssessmentInlineForm
    extra = 0
    max_num = 0  # every cell exists already; editors change them, never add or remove
    can_delete = False
    readonly_fields = ["criterion_link", "pending_change"]
    fields = ["criterion_link", *AssessmentInlineForm.Meta.fields, "pending_change", "base_version"]
    autocomplete_fields = ["source", "provisions"]
    verbose_name = "criterion"
    verbose_name_plural = "Status against every criterion (ICMEC, then Lanzarote)"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("criterion", "criterion__framework", "country", "source")
            .prefetch_related(pending_prefetch())
            .order_by("criterion__framework__display_order", "criterion__display_order")
        )

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = type(formset.form.__name__, (formset.form,), {"user": request.user})
        return formset

    @admin.display(description="criterion")
    def criterion_link(self, obj):
        return format_html("<strong>{}</strong><br>{}", obj.criterion.code, obj.criterion.title)

    @admin.display(description="awaiting review")
    def pending_change(self, obj):
        return pending_summary(obj.pending_list)


@admin.register(Assessment)
class AssessmentAdmin(ReasonedHistoryAdmin):
    class Media:
        css = {"all": ["legislation/review.css"]}

    form = AssessmentForm
    list_display = [
        "country",
        "criterion_code",
        "status_display",
        "as_of",
        "evidence_grade",
        "source",
        "updated_at",
        "awaiting_review",
    ]
    list_filter = [
        "status",
        ("criterion__framework", admin.RelatedOnlyFieldListFilter),
        "country__region",
        GroupFilter,
        "evidence_grade",
    ]
    list_select_related = ["country", "criterion", "source"]
    search_fields = ["country__name", "country__iso2", "country__iso3", "criterion__code"]
    autocomplete_fields = ["source", "provisions"]
    readonly_fields = [
        "country",
        "criterion",
        "reviewed_by",
        "reviewed_at",
        "version",
        "pending_changes",
        "history_pages",
    ]
    history_list_display = ["status", "proposed_by", "proposal"]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        fields = [f for f in fieldsets[0][1]["fields"] if f != "base_version"]
        return [(None, {"fields": [*fields, "base_version"]}), *fieldsets[1:]]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        attrs = {"user": request.user}
        if hasattr(request, "reverting_to"):
            attrs["historical_provisions"] = request.reverting_to
        return type(form.__name__, (form,), attrs)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # Offer the provisions the past version cited, so a revert restores them too.
        request.reverting_to = list(
            Assessment.history.model.provisions.model.objects.filter(
                history_id=version_id, history__id=object_id
            ).values_list("provision_id", flat=True)
        )
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_urls(self):
        from legislation.views import review

        return [
            path(
                "import/",
                self.admin_site.admin_view(review.import_view),
                name="legislation_assessment_import",
            ),
            path(
                "import/template/",
                self.admin_site.admin_view(review.import_template),
                name="legislation_assessment_import_template",
            ),
            *super().get_urls(),
        ]

    def get_queryset(self, request):
        pending = Q(proposals__state=ChangeProposal.State.PENDING)
        return (
            super().get_queryset(request).annotate(pending_count=Count("proposals", filter=pending))
        )

    @admin.display(description="awaiting review", ordering="pending_count")
    def awaiting_review(self, obj):
        if not obj.pending_count:
            return "—"
        return format_html(
            '<a href="{}?state=pending&amp;country={}&amp;q={}">{}</a>',
            reverse("admin:legislation_changeproposal_changelist"),
            obj.country.iso2,
            obj.criterion.code,
            counted(obj.pending_count, "change"),
        )

    @admin.display(description="awaiting review")
    def pending_changes(self, obj):
        return pending_summary(list(obj.proposals.pending().select_related("batch__author")))

    @admin.display(description="history")
    def history_pages(self, obj):
        return format_html(
            '<a href="{}">{} history</a> · <a href="{}">{} history</a>',
            reverse("legislation:country_history", args=[obj.country.code]),
            obj.country,
            reverse("legislation:criterion_history", args=[obj.criterion.code]),
            obj.criterion.code,
        )

    @admin.display(description="criterion", ordering="criterion__display_order")
    def criterion_code(self, obj):
        return obj.criterion.code

    @admin.display(description="status", ordering="status")
    def status_display(self, obj):
        return status_badge(obj.status)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        # An edit (or a revert from the history) is a proposal; the cell stays as approved.
        reverting = request.resolver_match.url_name.endswith("_simple_history")
        request.proposal_result = propose_or_report(
            request,
            form.cleaned_data["change_reason"],
            [form.proposed_change()],
            kind=ChangeBatch.Kind.REVERT if reverting else ChangeBatch.Kind.EDIT,
            reason_code=form.cleaned_data["reason_code"],
            public_reason=form.cleaned_data["public_reason"],
        )
        form.save_m2m = lambda: None  # provisions travel with the proposal too

    def save_related(self, request, form, formsets, change):
        pass

    def construct_change_message(self, request, form, formsets, add=False):
        return ""

    def log_change(self, request, obj, message):
        pass  # the proposal and, on approval, the history record are the log

    def response_change(self, request, obj):
        report_proposals(self, request, getattr(request, "proposal_result", None))
        return HttpResponseRedirect(reverse("admin:legislation_assessment_change", args=[obj.pk]))
