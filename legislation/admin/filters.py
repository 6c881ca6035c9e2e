"""List filters for the editors' workspace and the review queues."""

from django.contrib import admin

from legislation.models import (
    ChangeBatch,
    ChangeProposal,
    Country,
    CountryGroup,
)


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


class StateFilter(admin.SimpleListFilter):
    """The queue opens on what awaits review; "all" shows decided changes too."""

    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [*ChangeProposal.State.choices, ("all", "all")]

    def choices(self, changelist):
        value = self.value() or ChangeProposal.State.PENDING
        for lookup, title in self.lookup_choices:
            yield {
                "selected": value == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        value = self.value() or ChangeProposal.State.PENDING
        if value == "all":
            return queryset
        if value not in ChangeProposal.State.values:
            return queryset.none()
        return queryset.filter(state=value)


class ProposalCountryFilter(admin.SimpleListFilter):
    title = "country"
    parameter_name = "country"

    def lookups(self, request, model_admin):
        countries = Country.objects.filter(assessments__proposals__isnull=False).distinct()
        return [(c.iso2, c.name) for c in countries]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(assessment__country__iso2=self.value())
        return queryset


class BatchFilter(admin.SimpleListFilter):
    """One batch (an import file, one save of a country page): what "approve a batch" selects."""

    title = "batch"
    parameter_name = "batch"

    def lookups(self, request, model_admin):
        batches = ChangeBatch.objects.filter(
            proposals__state=ChangeProposal.State.PENDING
        ).distinct()
        return [(str(b.pk), f"#{b.pk} {b.file_name or b.get_kind_display()}") for b in batches]

    def queryset(self, request, queryset):
        if self.value():
            if not self.value().isdigit():
                return queryset.none()
            return queryset.filter(batch_id=int(self.value()))
        return queryset
