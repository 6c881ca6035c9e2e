"""The comparison's filters: one FilterSet serves the page, its exports and the figures.

Everything a reader chooses is in the query string, validated by the FilterSet's form before
any filtering query runs; a bad value becomes a form error on the page, never a 500.
"""

import django_filters
from django import forms
from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from legislation.models import Assessment, Country, CountryGroup, Criterion, Framework
from legislation.rules import STATUS_ORDER
from legislation.site import cache as datacache
from legislation.site import country_search
from legislation.statuses import ASSESSED, Status, label

FRAMEWORK_CHOICES = [
    (Framework.ICMEC, "ICMEC model legislation (5 criteria)"),
    (Framework.LANZAROTE, "Lanzarote Convention, Articles 18–24"),
]
SHAPE_CHOICES = [
    ("wide", "wide: one row per country"),
    ("long", "long: one row per country and criterion"),
]
MET_COUNT = "met"


class IntegerFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class FlagFilter(django_filters.Filter):
    """A checkbox: "1"/"on"/"true" switch it on; anything absent leaves it off."""

    field_class = forms.BooleanField


def _no_filtering(queryset, name, value):
    # Display options (framework, detail, map, shape) live in the same validated form but
    # do not narrow the rows themselves.
    return queryset


def _leaf_count_subquery(framework_code, statuses):
    cells = (
        Assessment.objects.filter(
            country=OuterRef("pk"),
            criterion__framework__code=framework_code,
            criterion__is_leaf=True,
            status__in=statuses,
        )
        .order_by()
        .values("country")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(cells, output_field=IntegerField()), Value(0))


def _choices():
    """The filter's choices as read from the database: places, groups and every criterion
    with its framework (which the matrix reuses). Nothing here depends on cells."""
    places = Country.objects.order_by("region", "subregion").values_list("region", "subregion")
    regions, subregions = [], []
    for region, subregion in places.distinct():
        if region not in regions:
            regions.append(region)
        if subregion not in subregions:
            subregions.append(subregion)
    groups = tuple((g.slug, g.name) for g in CountryGroup.objects.all())
    criteria = tuple(
        Criterion.objects.select_related("framework").order_by(
            "framework__display_order", "display_order"
        )
    )
    return tuple(regions), tuple(sorted(subregions)), groups, criteria


class CompareFilter(django_filters.FilterSet):
    framework = django_filters.ChoiceFilter(
        choices=FRAMEWORK_CHOICES, empty_label=None, method=_no_filtering, label="Standard"
    )
    detail = FlagFilter(
        method=_no_filtering, label="Show every sub-paragraph (Lanzarote)", required=False
    )
    q = django_filters.CharFilter(
        method="search",
        label="Country name or code",
        max_length=100,
        widget=forms.TextInput(
            attrs={"placeholder": "e.g. Philippines, PH, Burma", "type": "search"}
        ),
    )
    region = django_filters.ChoiceFilter(
        field_name="region", label="Region", choices=[], empty_label="All regions"
    )
    subregion = django_filters.ChoiceFilter(
        field_name="subregion", label="Sub-region", choices=[], empty_label="All sub-regions"
    )
    group = django_filters.ChoiceFilter(
        method="in_group", label="Group", choices=[], empty_label="All groups"
    )
    where = django_filters.MultipleChoiceFilter(
        method="where_status",
        label="Criterion is… (all chosen must hold)",
        choices=[],
        widget=forms.CheckboxSelectMultiple,
    )
    min_met = IntegerFilter(
        method="meets_at_least",
        label="Meets at least (criteria met)",
        widget=forms.NumberInput(attrs={"placeholder": "any number"}),
        min_value=0,
        max_value=99,
    )
    fully_assessed = FlagFilter(
        method="only_fully_assessed", label="Fully assessed countries only", required=False
    )
    map = django_filters.ChoiceFilter(
        method=_no_filtering, label="Colour the map by", choices=[], empty_label=None
    )
    shape = django_filters.ChoiceFilter(
        method=_no_filtering, label="Download shape", choices=SHAPE_CHOICES, empty_label=None
    )

    class Meta:
        model = Country
        fields = []

    def __init__(self, data=None, *args, choice_data=None, **kwargs):
        """`choice_data`: another CompareFilter's, to reuse instead of reading it again."""
        data = data.copy() if data is not None else {}
        # Defaults are written into the data so that an empty query string is a valid view.
        for name, default in (("framework", Framework.ICMEC), ("shape", "wide")):
            if not data.get(name):
                data[name] = default
        if not data.get("map"):
            data["map"] = MET_COUNT
        super().__init__(data, *args, **kwargs)
        self._set_choices(choice_data)

    def _set_choices(self, choice_data=None):
        # Three small queries whatever the number of countries: places, groups and criteria;
        # none when only cells changed since this process last read them (see `_choices`).
        if choice_data is None:
            version = getattr(self.request, "data_version", None)
            choice_data = datacache.unchanged_by_cells(version, "compare choices", _choices)
        self.choice_data = choice_data
        regions, subregions, groups, criteria = choice_data
        self.filters["region"].extra["choices"] = [(r, r) for r in regions]
        self.filters["subregion"].extra["choices"] = [(s, s) for s in subregions]
        self.filters["group"].extra["choices"] = list(groups)
        criteria = list(criteria)
        self.criteria = criteria
        # Only the chosen standard's criteria are offered; with an unknown standard, all of them
        # (the form then reports the standard itself).
        chosen = self.data.get("framework")
        if chosen in dict(FRAMEWORK_CHOICES):
            criteria = [c for c in criteria if c.framework.code == chosen]
        where = []
        for criterion in criteria:
            if not criterion.is_leaf:
                continue
            options = [
                (f"{criterion.code}:{s.value}", f"{criterion.code} is {label(s)}")
                for s in STATUS_ORDER
            ]
            where.append((f"{criterion.code} {criterion.title}", options))
        self.filters["where"].extra["choices"] = where
        maps = [(MET_COUNT, "number of criteria met")]
        maps += [(c.code, f"{c.code} {c.title}") for c in criteria]
        self.filters["map"].extra["choices"] = maps

    @property
    def qs(self):
        if not hasattr(self, "_qs"):
            # An invalid form shows its errors and no rows, rather than a silently wider set.
            if not self.is_bound or self.is_valid():
                self._qs = self.filter_queryset(self.queryset.all())
                # A search ranks its best matches first (?q=uk: the United Kingdom); otherwise
                # countries are listed by name.
                if not self.form.cleaned_data.get("q", "").strip():
                    self._qs = self._qs.order_by("name")
            else:
                self._qs = self.queryset.none()
        return self._qs

    def where_groups(self):
        """The criterion picker: (criterion, [(value, status, checked)]) per leaf criterion
        of the chosen standard, so the page shows one row of status checkboxes each."""
        chosen = set(self.data.getlist("where")) if hasattr(self.data, "getlist") else set()
        framework = self.data.get("framework")
        groups = []
        for criterion in self.criteria:
            if not criterion.is_leaf or criterion.framework.code != framework:
                continue
            options = [(f"{criterion.code}:{s.value}", s) for s in STATUS_ORDER]
            groups.append((criterion, [(v, s, v in chosen) for v, s in options]))
        return groups

    # The filters that read cells: the countries they choose change with the cells, and on a
    # page shown as published at a past moment they read that moment's cells.
    STATUS_FILTERS = ("where", "min_met", "fully_assessed")

    def uses_status(self):
        data = self.form.cleaned_data
        return (
            bool(data.get("where"))
            or data.get("min_met") is not None
            or bool(data.get("fully_assessed"))
        )

    def without_status(self):
        """The same filters but the status ones, as a FilterSet of this class."""
        query = self.data.copy()
        for name in self.STATUS_FILTERS:
            query.pop(name, None)
        return type(self)(
            query,
            queryset=Country.objects.all(),
            request=self.request,
            choice_data=self.choice_data,
        )

    def countries_as_published(self, moment):
        """The countries chosen, the status filters read on the cells as published at `moment`
        (today's queryset when None)."""
        if moment is None or not self.uses_status():
            # A copy, read when used: a filter form kept between requests (the comparison
            # page's) holds its queryset's rows as first read, and the cells may have changed.
            return self.qs.all()
        return self.countries_at(moment)

    def countries_at(self, moment):
        """The countries chosen, the status filters read on the cells as published at `moment`
        (history.state_at), in the queryset's order: three queries."""
        from legislation import history

        countries = list(self.without_status().qs)
        framework = self.framework_code
        leaves = self.leaf_codes(framework)
        code_of = {c.pk: c.code for c in self.criteria}
        statuses = {country.pk: dict.fromkeys(leaves, Status.NOT_ASSESSED) for country in countries}
        states = history.state_at(
            moment,
            country__in=[country.pk for country in countries],
            criterion__framework__code=framework,
            criterion__is_leaf=True,
        )
        for state in states.values():
            statuses[state.country_id][code_of[state.criterion_id]] = state.status
        data = self.form.cleaned_data
        return [c for c in countries if matches_status_filters(statuses[c.pk], data)]

    @property
    def framework_code(self):
        if self.is_valid():
            return self.form.cleaned_data["framework"]
        return Framework.ICMEC

    def leaf_codes(self, framework_code):
        return [c.code for c in self.criteria if c.is_leaf and c.framework.code == framework_code]

    def get_form_class(self):
        base = super().get_form_class()
        filterset = self

        class CompareForm(base):
            def clean(self):
                cleaned = super().clean()
                filterset.check_combination(self, cleaned)
                return cleaned

        return CompareForm

    def check_combination(self, form, cleaned):
        """Values valid one by one but not together: a criterion of the other standard, …"""
        framework = cleaned.get("framework")
        if not framework:
            return
        codes = {c.code for c in self.criteria if c.framework.code == framework}
        leaves = self.leaf_codes(framework)
        wrong = [v.partition(":")[0] for v in cleaned.get("where") or []]
        wrong = [code for code in wrong if code not in codes]
        if wrong:
            form.add_error(
                "where",
                f"{', '.join(wrong)} is not a criterion of the standard shown; "
                "choose a criterion of that standard.",
            )
        chosen_map = cleaned.get("map")
        if chosen_map and chosen_map != MET_COUNT and chosen_map not in codes:
            form.add_error("map", f"{chosen_map} is not a criterion of the standard shown.")
        min_met = cleaned.get("min_met")
        if min_met is not None and min_met > len(leaves):
            form.add_error("min_met", f"The standard shown has only {len(leaves)} criteria.")

    # Filter methods: each runs only on validated values.

    def search(self, queryset, name, value):
        return country_search.search(queryset, value)

    def in_group(self, queryset, name, value):
        return queryset.in_group(value)

    def where_status(self, queryset, name, values):
        for value in values:
            code, _, status = value.partition(":")
            if status == Status.NOT_ASSESSED:
                # A missing cell is not assessed too, so "not assessed" is "no assessed cell".
                assessed = Assessment.objects.assessed().filter(
                    country=OuterRef("pk"), criterion__code=code
                )
                queryset = queryset.filter(~Exists(assessed))
            else:
                cell = Assessment.objects.filter(
                    country=OuterRef("pk"), criterion__code=code, status=status
                )
                queryset = queryset.filter(Exists(cell))
        return queryset

    def meets_at_least(self, queryset, name, value):
        met = _leaf_count_subquery(self.framework_code, [Status.MET])
        return queryset.annotate(met_count=met).filter(met_count__gte=value)

    def only_fully_assessed(self, queryset, name, value):
        if not value:
            return queryset
        framework = self.framework_code
        assessed = _leaf_count_subquery(framework, [s for s in Status if s != Status.NOT_ASSESSED])
        return queryset.annotate(assessed_count=assessed).filter(
            assessed_count__gte=len(self.leaf_codes(framework))
        )

    def active_filters(self):
        """Human-readable lines naming every filter in force, for the page and the exports."""
        if not self.is_valid():
            return []
        data = self.form.cleaned_data
        lines = []
        if data.get("q"):
            lines.append(f"name or code contains “{data['q']}”")
        if data.get("region"):
            lines.append(f"region: {data['region']}")
        if data.get("subregion"):
            lines.append(f"sub-region: {data['subregion']}")
        if data.get("group"):
            names = dict(self.filters["group"].extra["choices"])
            lines.append(f"group: {names.get(data['group'], data['group'])}")
        for value in data.get("where") or []:
            code, _, status = value.partition(":")
            lines.append(f"{code} is {Status(status).label}")
        if data.get("min_met") is not None:
            lines.append(f"meets at least {data['min_met']} criteria")
        if data.get("fully_assessed"):
            lines.append("fully assessed countries only")
        return lines


def matches_status_filters(statuses, data):
    """The comparison's status filters (`where`, `min_met`, `fully_assessed`) on one country's
    cells ({leaf code: status}, every leaf present), as read at a past moment or in a release:
    the meaning `CompareFilter`'s filter methods give them on today's cells."""
    for value in data.get("where") or []:
        code, _, wanted = value.partition(":")
        status = statuses.get(code, Status.NOT_ASSESSED)
        if wanted == Status.NOT_ASSESSED and status in ASSESSED:
            return False
        if wanted != Status.NOT_ASSESSED and status != wanted:
            return False
    met = sum(1 for s in statuses.values() if s == Status.MET)
    if data.get("min_met") is not None and met < data["min_met"]:
        return False
    assessed = sum(1 for s in statuses.values() if s in ASSESSED)
    return not (data.get("fully_assessed") and assessed < len(statuses))
