"""Reference data admins: countries, frameworks, criteria, groups, published figures and ratings."""

from django.contrib import admin, messages
from django.db.models import Count, Q
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html

from legislation.admin.cells import AssessmentInline
from legislation.admin.filters import CountryGroupFilter
from legislation.admin.forms import CountryChangeForm
from legislation.admin.pending import propose_or_report, report_proposals
from legislation.models import (
    Country,
    CountryGroup,
    Criterion,
    Framework,
    PublishedFigure,
    PublishedRating,
)
from legislation.statuses import Status


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):
    class Media:
        css = {"all": ["legislation/review.css"]}
        js = ["legislation/admin_labels.js"]

    form = CountryChangeForm
    inlines = [AssessmentInline]
    list_display = ["name", "iso2", "iso3", "region", "subregion", "group_list", "assessed"]
    list_filter = ["region", "subregion", CountryGroupFilter]
    search_fields = ["name", "official_name", "iso2", "iso3", "iso_numeric"]
    fields = [
        "name",
        "official_name",
        "iso2",
        "iso3",
        "iso_numeric",
        "region",
        "subregion",
        "un_status",
        "groups",
        "history_link",
        "reason_code",
        "change_reason",
        "public_reason",
    ]
    reference_fields = fields[:-3]

    @admin.display(description="history")
    def history_link(self, obj):
        return format_html(
            '<a href="{}">Who changed what, and the values as approved on any date</a>',
            reverse("legislation:country_history", args=[obj.code]),
        )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related("groups")
            .annotate(
                assessed_count=Count(
                    "assessments", filter=~Q(assessments__status=Status.NOT_ASSESSED)
                )
            )
        )

    def get_readonly_fields(self, request, obj=None):
        # Country facts come from the reference files; editors only edit the cells below.
        return self.reference_fields

    @admin.display(description="groups")
    def group_list(self, obj):
        return ", ".join(g.name for g in obj.groups.all())

    @admin.display(description="cells assessed", ordering="assessed_count")
    def assessed(self, obj):
        return obj.assessed_count

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        pass  # the country's own fields are read-only: only its cells change, as proposals

    def save_formset(self, request, form, formset, change):
        # Nothing is written to the cells: the edited ones become one batch of proposals that
        # reach the public pages when a Reviewer approves them.
        changes = [f.proposed_change() for f in formset.forms if f.has_changed()]
        request.proposal_result = propose_or_report(
            request,
            form.cleaned_data["change_reason"],
            changes,
            reason_code=form.cleaned_data["reason_code"],
            public_reason=form.cleaned_data["public_reason"],
        )

    def render_change_form(self, request, context, *args, **kwargs):
        # A refused cell is far down a long page: the top of the page says which one; the
        # reason itself is printed once, beside the cell.
        for inline in context.get("inline_admin_formsets", []):
            for cell_form in inline.formset.forms:
                if cell_form.is_bound and cell_form.non_field_errors():
                    code = cell_form.instance.criterion.code
                    messages.error(
                        request, f"Nothing was saved: {code} was refused; the reason is beside it."
                    )
        return super().render_change_form(request, context, *args, **kwargs)

    def construct_change_message(self, request, form, formsets, add=False):
        return ""  # the proposals are the record of this save

    def log_change(self, request, obj, message):
        pass

    def response_change(self, request, obj):
        report_proposals(self, request, getattr(request, "proposal_result", None))
        return HttpResponseRedirect(request.path)


class ReadOnlyForEditorsAdmin(admin.ModelAdmin):
    """Reference data follows the files in legislation/data/; only superusers may touch it."""

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Framework)
class FrameworkAdmin(ReadOnlyForEditorsAdmin):
    list_display = ["short_name", "publisher", "edition", "year"]


@admin.register(Criterion)
class CriterionAdmin(ReadOnlyForEditorsAdmin):
    list_display = ["code", "title", "framework", "is_leaf", "reservation_allowed", "priority"]
    list_filter = ["framework", "is_leaf", "reservation_allowed"]
    list_select_related = ["framework"]
    search_fields = ["code", "title", "summary"]


@admin.register(CountryGroup)
class CountryGroupAdmin(ReadOnlyForEditorsAdmin):
    list_display = ["name", "slug", "member_count"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_count=Count("countries"))

    @admin.display(description="members", ordering="member_count")
    def member_count(self, obj):
        return obj.member_count


@admin.register(PublishedFigure)
class PublishedFigureAdmin(ReadOnlyForEditorsAdmin):
    list_display = ["figure", "scope", "value", "release", "year", "sufficiency_rule"]
    list_filter = ["edition", "sufficiency_rule"]


@admin.register(PublishedRating)
class PublishedRatingAdmin(ReadOnlyForEditorsAdmin):
    """What ICMEC published for a country in an edition: context, never a cell."""

    list_display = ["country", "framework", "edition", "year", "summary"]
    list_filter = ["edition"]
    list_select_related = ["country", "framework"]
    search_fields = ["country__name", "country__iso2"]
