"""The API's query parameters: the comparison page's FilterSet, plus `as_of=` and `release=`.

Countries and cells are selected by `CompareFilter` itself (region, group, search, "criterion
is…", `min_met`, fully assessed), so the API and the pages answer the same question in the
same words and refuse the same bad input (400 with the message, never a 500).
"""

import copy
import datetime

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field

from legislation.models import Country, Criterion, Framework, PublishedFigure, Release
from legislation.models import TreatyParticipation as Participation
from legislation.site.filters import CompareFilter, IntegerFilter, matches_status_filters
from legislation.site.forms import CountryCodesField
from legislation.statuses import Status

from . import queries
from .queries import NOW, Moment


def _no_filtering(queryset, name, value):
    # Read by the view (moment, cell-level choices); the country set is not narrowed here.
    return queryset


class MomentField(forms.Field):
    """`as_of=2024-06-30` (the end of that day, UTC) or a full ISO date-time; not in the future."""

    def to_python(self, value):
        value = (value or "").strip()
        if not value:
            return None
        try:
            if len(value) == 10:
                day = datetime.date.fromisoformat(value)
                moment = datetime.datetime.combine(day, datetime.time.max, datetime.UTC)
            else:
                moment = datetime.datetime.fromisoformat(value)
                if timezone.is_naive(moment):
                    moment = moment.replace(tzinfo=datetime.UTC)
        except ValueError:
            raise ValidationError(
                "Give a date as YYYY-MM-DD or a date and time as YYYY-MM-DDTHH:MM:SSZ.",
                code="invalid",
            ) from None
        if moment.date() > timezone.now().date():
            raise ValidationError("Choose a moment that is not in the future.", code="future")
        return moment


class ReleaseField(forms.CharField):
    """`release=1.0.0` or `release=latest`: a published release, looked up in one query."""

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        release = Release.objects.by_name(value)
        if release is None and value == "latest":
            raise ValidationError("No data release has been published yet.", code="none")
        if release is None:
            raise ValidationError(
                "No data release has the version %(version)s; /api/v1/releases/ lists them.",
                code="unknown",
                params={"version": value[:20]},
            )
        return release


class MomentFilter(django_filters.Filter):
    field_class = MomentField


class ReleaseFilter(django_filters.Filter):
    field_class = ReleaseField


class CountryCodesFilter(django_filters.Filter):
    """`country=ph&country=gb`: validated by the pages' own `CountryCodesField`."""

    field_class = CountryCodesField


class MomentFilters(django_filters.FilterSet):
    """`as_of` and `release`, offered on every endpoint; at most one of them."""

    as_of = MomentFilter(
        method=_no_filtering,
        label="The public data as it stood at this moment (YYYY-MM-DD or ISO date-time).",
    )
    release = ReleaseFilter(
        method=_no_filtering,
        label="The rows of this data release (e.g. 1.0.0, or latest).",
        max_length=20,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The schema generator reads `filter.field` on the class's filters, which caches a
        # form field built before this request's choices were set; build fresh ones.
        for filter_ in self.filters.values():
            filter_.__dict__.pop("_field", None)

    def moment(self):
        data = self.form.cleaned_data
        if data.get("release"):
            return Moment(release=data["release"])
        if data.get("as_of"):
            return Moment(at=data["as_of"])
        return NOW

    def get_form_class(self):
        base = super().get_form_class()

        class OneMomentForm(base):
            def clean(self):
                cleaned = super().clean()
                if cleaned.get("as_of") and cleaned.get("release"):
                    raise ValidationError("Choose either as_of or release, not both.")
                return cleaned

        return OneMomentForm


class MomentOnlyFilter(MomentFilters):
    class Meta:
        model = Framework
        fields = []


class CountryFilter(MomentFilters, CompareFilter):
    """The comparison page's filters, plus `country=ph&country=gb` (ISO alpha-2 codes)."""

    country = CountryCodesFilter(method="in_countries", label="ISO alpha-2 country codes")

    class Meta:
        model = Country
        fields = []

    def in_countries(self, queryset, name, countries):
        if not countries:
            return queryset
        return queryset.filter(pk__in=[c.pk for c in countries])


class CellFilter(CountryFilter):
    """Countries as `CountryFilter` chooses them; then the cells of some criteria or statuses."""

    criterion = django_filters.MultipleChoiceFilter(
        method=_no_filtering, label="Criterion codes (e.g. ICMEC.4, L20.1.e)", choices=[]
    )
    status = django_filters.MultipleChoiceFilter(
        method=_no_filtering, label="Only cells with these statuses", choices=Status.choices
    )

    def _set_choices(self, choice_data=None):
        super()._set_choices(choice_data)
        self.filters["criterion"].extra["choices"] = [
            (c.code, c.code) for c in self.criteria if c.is_leaf
        ]

    def check_combination(self, form, cleaned):
        super().check_combination(form, cleaned)
        framework = cleaned.get("framework")
        wrong = [
            code
            for code in cleaned.get("criterion") or []
            if code not in self.leaf_codes(framework)
        ]
        if framework and wrong:
            form.add_error(
                "criterion",
                f"{', '.join(wrong)} is not a criterion of {framework}; add framework= to choose "
                "the other standard.",
            )


STANDARDS = [(Framework.ICMEC, Framework.ICMEC), (Framework.LANZAROTE, Framework.LANZAROTE)]


class CriterionFilter(MomentFilters):
    framework = django_filters.ChoiceFilter(
        method=_no_filtering, choices=STANDARDS, label="Standard"
    )

    class Meta:
        model = Criterion
        fields = []


class TreatyFilter(MomentFilters):
    country = CountryCodesFilter(method=_no_filtering, label="ISO alpha-2 country codes")

    class Meta:
        model = Participation
        fields = []


class FigureFilter(MomentFilters):
    framework = django_filters.ChoiceFilter(
        method=_no_filtering, choices=STANDARDS, label="Standard"
    )
    edition = IntegerFilter(
        method=_no_filtering, label="Edition of the published review", min_value=1, max_value=99
    )

    class Meta:
        model = PublishedFigure
        fields = []


class ChangeFilter(MomentFilters):
    country = CountryCodesFilter(method=_no_filtering, label="ISO alpha-2 country codes")
    since = MomentFilter(method=_no_filtering, label="Only changes after this moment")

    class Meta:
        model = Country
        fields = []


def selected_countries(filterset, data, moment):
    """The ISO codes the comparison's filters choose, in code order."""
    if moment.is_now or not filterset.uses_status():
        return sorted(filterset.qs.values_list("iso2", flat=True))
    # At another moment, the country filters run on the FilterSet and the status filters on
    # that moment's cells.
    codes = sorted(filterset.without_status().qs.values_list("iso2", flat=True))
    cells, _ = queries.cells(moment, country_codes=set(codes), framework=data["framework"])
    statuses = {}
    for row in cells:
        statuses.setdefault(row["country"], {})[row["criterion"]] = row["status"]
    return [code for code in codes if matches_status_filters(statuses.get(code, {}), data)]


# The comparison page's FilterSet shares its filter objects with subclasses: give the API's
# own copies, so that generating the API schema can never touch the page's filters.
for _filterset in (CountryFilter, CellFilter):
    _filterset.base_filters = copy.deepcopy(_filterset.base_filters)


# The schema type of each parameter drf-spectacular cannot infer: our own form fields, and
# choices read from the database per request (groups, criteria), which it cannot list.
_MOMENT = {"type": "string", "example": "2024-06-30"}  # or 2024-06-30T12:00:00Z
PARAMETER_TYPES = {
    "as_of": _MOMENT,
    "since": _MOMENT,
    "release": {"type": "string", "example": "1.0.0"},
    "detail": {"type": "boolean"},
    "fully_assessed": {"type": "boolean"},
    # Repeated: country=ph&country=gb.
    "country": {"type": "array", "items": {"type": "string", "example": "ph"}},
    "group": {"type": "string"},
    "map": {"type": "string"},
    # MultipleChoiceFilters: drf-spectacular makes each a repeated parameter of this type.
    "where": {"type": "string", "example": "ICMEC.4:not_met"},
    "criterion": {"type": "string", "example": "ICMEC.4"},
}

for _filterset in (MomentOnlyFilter, CountryFilter, CellFilter, CriterionFilter, TreatyFilter,
                   FigureFilter, ChangeFilter):  # fmt: skip
    for _name, _filter in _filterset.base_filters.items():
        if _name in PARAMETER_TYPES:
            # An explicit schema replaces the one built from the filter, description included.
            schema = {**PARAMETER_TYPES[_name], "description": str(_filter.label)}
            extend_schema_field(schema)(_filter)
