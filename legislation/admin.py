"""The editors' workspace. Every save of legal data asks why, and the reason lands in history."""

from django import forms
from django.contrib import admin
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from . import statuses
from .models import (
    Assessment,
    Country,
    CountryGroup,
    Criterion,
    Framework,
    LegalInstrument,
    Provision,
    PublishedFigure,
    Source,
    TreatyParticipation,
    TreatyReservation,
)
from .statuses import Status

admin.site.site_header = "Child sexual exploitation laws – records"
admin.site.site_title = "Gap analysis admin"
admin.site.index_title = "Records"

CHANGE_REASON_HELP = (
    "Required. Say what changed and why, e.g. “Penal Code amended 2024, Art. 293 now covers "
    "simple possession”. It is kept in the history with your name."
)


class ChangeReasonForm(forms.ModelForm):
    change_reason = forms.CharField(
        label="Reason for this change",
        max_length=250,
        help_text=CHANGE_REASON_HELP,
        widget=forms.TextInput(attrs={"size": 80}),
    )


class ReasonedHistoryAdmin(SimpleHistoryAdmin):
    """Asks for a change reason on every save (reverts included) and records it in history."""

    form = ChangeReasonForm

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        # The reason is asked last, after the editor has made the change.
        fields = [f for f in fieldsets[0][1]["fields"] if f != "change_reason"]
        return [(None, {"fields": fields}), ("Why", {"fields": ["change_reason"]})]

    def save_model(self, request, obj, form, change):
        obj._change_reason = form.cleaned_data["change_reason"]
        super().save_model(request, obj, form, change)


class GroupFilter(admin.SimpleListFilter):
    """Groups, with the derived Global South among them."""

    title = "group"
    parameter_name = "group"
    country_path = "country"

    def lookups(self, request, model_admin):
        return [(g.slug, g.name) for g in CountryGroup.objects.all()]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        countries = Country.objects.in_group(self.value())
        if self.country_path:
            return queryset.filter(**{f"{self.country_path}__in": countries})
        return queryset.filter(pk__in=countries)


class CountryGroupFilter(GroupFilter):
    country_path = ""


def status_badge(status):
    return format_html(
        '<span class="status {}">{}</span>', statuses.css_class(status), statuses.label(status)
    )


class AssessmentInlineForm(forms.ModelForm):
    class Meta:
        model = Assessment
        fields = [
            "status",
            "as_of",
            "as_of_precision",
            "evidence_grade",
            "source",
            "provisions",
            "note",
        ]
        widgets = {"note": forms.Textarea(attrs={"rows": 2, "cols": 40})}

    def clean(self):
        cleaned = super().clean()
        provisions = cleaned.get("provisions") or []
        foreign = [p for p in provisions if p.instrument.country_id != self.instance.country_id]
        if foreign:
            self.add_error(
                "provisions",
                "These provisions belong to another country's law: "
                + "; ".join(str(p) for p in foreign),
            )
        return cleaned


class AssessmentInline(admin.TabularInline):
    model = Assessment
    form = AssessmentInlineForm
    extra = 0
    max_num = 0  # every cell exists already; editors change them, never add or remove
    can_delete = False
    readonly_fields = ["criterion_link"]
    fields = ["criterion_link", *AssessmentInlineForm.Meta.fields]
    autocomplete_fields = ["source", "provisions"]
    verbose_name = "criterion"
    verbose_name_plural = "Status against every criterion (ICMEC, then Lanzarote)"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("criterion", "criterion__framework", "country", "source")
            .order_by("criterion__framework__display_order", "criterion__display_order")
        )

    @admin.display(description="criterion")
    def criterion_link(self, obj):
        return format_html("<strong>{}</strong><br>{}", obj.criterion.code, obj.criterion.title)


class CountryChangeForm(ChangeReasonForm):
    class Meta:
        model = Country
        fields = ["name"]  # every country field is read-only; the form carries the reason


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):
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
        "change_reason",
    ]
    reference_fields = fields[:-1]

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

    def save_formset(self, request, form, formset, change):
        reason = form.cleaned_data["change_reason"]
        for cell in formset.save(commit=False):
            cell._change_reason = reason
            cell._history_user = request.user
            cell.reviewed_by = request.user
            cell.reviewed_at = timezone.now()
            cell.version += 1
            cell.save()
        formset.save_m2m()


class AssessmentForm(ChangeReasonForm):
    class Meta:
        model = Assessment
        fields = [
            "country",
            "criterion",
            "status",
            "as_of",
            "as_of_precision",
            "evidence_grade",
            "source",
            "provisions",
            "note",
        ]


@admin.register(Assessment)
class AssessmentAdmin(ReasonedHistoryAdmin):
    form = AssessmentForm
    list_display = [
        "country",
        "criterion_code",
        "status_display",
        "as_of",
        "evidence_grade",
        "source",
        "updated_at",
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
    readonly_fields = ["country", "criterion", "reviewed_by", "reviewed_at", "version"]
    history_list_display = ["status"]

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
        obj.reviewed_by = request.user
        obj.reviewed_at = timezone.now()
        obj.version += 1
        super().save_model(request, obj, form, change)


class ProvisionInline(admin.TabularInline):
    model = Provision
    extra = 1
    fields = ["reference", "excerpt", "url"]


@admin.register(LegalInstrument)
class LegalInstrumentAdmin(ReasonedHistoryAdmin):
    list_display = ["title", "country", "year", "in_force_date", "language"]
    list_filter = ["country__region", GroupFilter]
    list_select_related = ["country"]
    search_fields = ["title", "country__name", "country__iso2"]
    autocomplete_fields = ["country"]


@admin.register(Provision)
class ProvisionAdmin(ReasonedHistoryAdmin):
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
class SourceAdmin(admin.ModelAdmin):
    list_display = ["title", "publisher", "year", "page"]
    search_fields = ["title", "publisher"]


class TreatyReservationInline(admin.StackedInline):
    model = TreatyReservation
    extra = 0
    filter_horizontal = ["criteria"]


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
    list_display = ["figure", "scope", "value", "edition", "year"]
    list_filter = ["edition"]
