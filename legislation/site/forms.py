"""Query-string forms for the public pages: every parameter is validated here, before any query
that depends on it runs, and bad input becomes a message on the page rather than a 500."""

import datetime
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from legislation import history
from legislation.models import Country, CountryGroup, Criterion, Framework
from legislation.site import country_search
from legislation.statuses import ReasonCode

CODE_RE = re.compile(r"[A-Za-z]{2}")
SHOWN_IN_ERRORS = 20  # characters of a rejected value echoed back (escaped) in a message


def shorten(value):
    value = str(value)
    return value if len(value) <= SHOWN_IN_ERRORS else value[:SHOWN_IN_ERRORS] + "…"


class CountryCodesField(forms.Field):
    """Repeated `?c=ph&c=gb` parameters → a list of Country, in the order given.

    Blank entries are ignored; malformed codes, unknown codes and (unless allowed) duplicates
    are refused with a message naming them. One query, however many codes are given.
    """

    widget = forms.SelectMultiple

    def __init__(self, *, min_count=0, max_count=None, allow_duplicates=False, **kwargs):
        self.min_count = min_count
        self.max_count = max_count
        self.allow_duplicates = allow_duplicates
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return []
        if isinstance(value, str):
            value = [value]
        return [str(v).strip() for v in value if str(v).strip()]

    def clean(self, value):
        codes = self.to_python(value)
        self.validate(codes)
        malformed = [c for c in codes if not CODE_RE.fullmatch(c)]
        if malformed:
            raise ValidationError(
                "These are not two-letter ISO country codes: %(codes)s.",
                code="malformed",
                params={"codes": ", ".join(shorten(c) for c in malformed[:5])},
            )
        codes = [c.upper() for c in codes]
        duplicates = sorted({c for c in codes if codes.count(c) > 1})
        if duplicates and not self.allow_duplicates:
            raise ValidationError(
                "Each country may be chosen once; repeated: %(codes)s.",
                code="duplicate",
                params={"codes": ", ".join(c.lower() for c in duplicates)},
            )
        codes = list(dict.fromkeys(codes))
        if self.max_count is not None and len(codes) > self.max_count:
            raise ValidationError(
                "Choose at most %(max)d countries (%(count)d were given).",
                code="too_many",
                params={"max": self.max_count, "count": len(codes)},
            )
        if len(codes) < self.min_count:
            raise ValidationError(
                "Choose at least %(min)d countries (%(count)d given).",
                code="too_few",
                params={"min": self.min_count, "count": len(codes)},
            )
        if not codes:
            return []
        found = {c.iso2: c for c in Country.objects.filter(iso2__in=codes)}
        unknown = [c.lower() for c in codes if c not in found]
        if unknown:
            raise ValidationError(
                "No country has the code %(codes)s.",
                code="unknown",
                params={"codes": ", ".join(unknown)},
            )
        return [found[c] for c in codes]


def country_choices():
    return [(c["iso2"].lower(), c["name"]) for c in Country.objects.values("iso2", "name")]


def region_choices():
    """UN M49 regions and, under each, its sub-regions: one query."""
    pairs = (
        Country.objects.order_by("region", "subregion")
        .values_list("region", "subregion")
        .distinct()
    )
    choices = {}
    for region, subregion in pairs:
        choices.setdefault(region, []).append(subregion)
    flat = [("", "any region")]
    for region, subregions in choices.items():
        flat.append((region, region))
        flat += [(s, f"{region} – {s}") for s in subregions if s != region]
    return flat


def group_choices():
    return [("", "any group")] + [
        (slug, name) for slug, name in CountryGroup.objects.values_list("slug", "name")
    ]


class RegionField(forms.ChoiceField):
    """A UN M49 region or sub-region name; cleaned to ("region" | "subregion", name)."""

    def __init__(self, **kwargs):
        self.regions = set()
        super().__init__(**kwargs)

    def set_choices(self, choices):
        self.choices = choices
        self.regions = {value for value, label in choices if value and value == label}

    def to_python(self, value):
        # Links typed by hand often differ in case ("?region=europe"): match the name anyway.
        value = super().to_python(value)
        canonical = {str(v).lower(): v for v, _ in self.choices}
        return canonical.get(value.lower(), value)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        return ("region" if value in self.regions else "subregion", value)


class CountrySearchForm(forms.Form):
    """`/countries/?q=phil&region=Asia&group=coe`."""

    q = forms.CharField(
        label="Country name or ISO code", required=False, max_length=100, strip=True
    )
    region = RegionField(label="Region", required=False)
    group = forms.ChoiceField(label="Group", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].set_choices(region_choices())
        self.fields["group"].choices = group_choices()

    def filter(self, countries):
        data = self.cleaned_data
        if data.get("q"):
            countries = country_search.search(countries, data["q"])
        if data.get("region"):
            kind, name = data["region"]
            countries = countries.filter(**{kind: name})
        if data.get("group"):
            countries = countries.in_group(data["group"])
        return countries


FRAMEWORK_CHOICES = [
    (Framework.ICMEC, "ICMEC model legislation (5 criteria)"),
    (Framework.LANZAROTE, "Lanzarote Convention (21 sub-paragraphs)"),
]


class RegionalReportForm(forms.Form):
    """`/reports/gaps/?region=South-eastern Asia&framework=icmec`, `?group=lanzarote`,
    `?country=ph&country=th`. Several choices combine: a country must match all of them."""

    country = CountryCodesField(label="Countries", required=False)
    group = forms.ChoiceField(label="Group", required=False)
    region = RegionField(label="Region or sub-region", required=False)
    framework = forms.ChoiceField(
        label="Framework", choices=FRAMEWORK_CHOICES, required=False, initial=Framework.ICMEC
    )
    export = forms.ChoiceField(
        label="Download",
        required=False,
        choices=[("", "—"), ("csv", "CSV"), ("xlsx", "XLSX"), ("pdf", "PDF")],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].widget.choices = country_choices()
        self.fields["country"].widget.attrs["size"] = 8
        self.fields["group"].choices = group_choices()
        self.fields["region"].set_choices(region_choices())

    def clean_framework(self):
        return self.cleaned_data.get("framework") or Framework.ICMEC

    def clean(self):
        data = super().clean()
        if not self.errors and not (data.get("country") or data.get("group") or data.get("region")):
            raise ValidationError(
                "Choose the countries: a list of countries, a group or a region.", code="empty"
            )
        return data

    def countries(self):
        data = self.cleaned_data
        countries = Country.objects.all()
        if data.get("country"):
            countries = countries.filter(pk__in=[c.pk for c in data["country"]])
        if data.get("group"):
            countries = countries.in_group(data["group"])
        if data.get("region"):
            kind, name = data["region"]
            countries = countries.filter(**{kind: name})
        return countries.order_by("name")


MAX_COMPARED = 5


class SideBySideForm(forms.Form):
    """`/compare/countries/?c=ph&c=gb&c=us&diff=1`: two to five countries."""

    c = CountryCodesField(
        label="Countries (two to five)",
        min_count=2,
        max_count=MAX_COMPARED,
        error_messages={"required": "Choose two to five countries to compare."},
    )
    diff = forms.BooleanField(label="Show only criteria where the countries differ", required=False)
    export = forms.ChoiceField(
        label="Download", required=False, choices=[("", "—"), ("csv", "CSV")]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.country_options = country_choices()

    def slots(self):
        """(number, chosen code) for one drop-down per country: five, or more if more were
        given, so that a rejected list is shown back as it was sent. One plain <select> per
        country is easier by keyboard and screen reader than a multiple-choice list."""
        given = self.data.getlist("c") if hasattr(self.data, "getlist") else []
        given = [str(v).strip().lower() for v in given if str(v).strip()]
        count = max(MAX_COMPARED, len(given))
        given += [""] * (count - len(given))
        return list(enumerate(given, start=1))


class PublishedOnForm(forms.Form):
    """`?as_of=YYYY-MM-DD`: show a public page exactly as it was published at the end of that
    day (UTC); `?release=1.2.0` (or `latest`): as published when that data release was cut.
    Every public view reads them through here; each resolves to one moment."""

    as_of = forms.DateField(
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": "Give the date as YYYY-MM-DD, e.g. 2026-03-03."},
    )
    release = forms.CharField(required=False, max_length=40)

    def clean_as_of(self):
        day = self.cleaned_data["as_of"]
        today = timezone.now().date()
        if day and day > today:
            raise ValidationError(
                f"{day:%Y-%m-%d} is in the future: the records can only be shown as published "
                f"up to today ({today:%Y-%m-%d})."
            )
        return day

    def clean_release(self):
        from legislation.models import Release

        name = self.cleaned_data["release"].strip()
        if not name:
            return None
        release = Release.objects.by_name(name)
        if release is None:
            raise ValidationError(
                f"No data release has the version {name!r}; the list of releases is at /data/."
            )
        return release

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("as_of") and cleaned.get("release"):
            raise ValidationError("Choose either as_of or release, not both.")
        return cleaned

    def moment(self):
        """The instant the page shows, or None for today's version."""
        release = self.cleaned_data.get("release")
        if release:
            return release.cut_at
        day = self.cleaned_data.get("as_of")
        return history.end_of_day(day) if day else None


class ChangesForm(RegionalReportForm):
    """`/changes/?from=2026-01-01&to=2026-03-31&country=ph&reason=law_amended`: what changed
    between two days (default: the last 90), narrowed by place, standard, criterion or kind."""

    from_ = forms.DateField(label="From", required=False, input_formats=["%Y-%m-%d"])
    to = forms.DateField(label="To", required=False, input_formats=["%Y-%m-%d"])
    criterion = forms.CharField(label="Criterion code", required=False, max_length=20)
    reason = forms.ChoiceField(
        label="Kind of change", required=False, choices=[("", "any"), *ReasonCode.choices]
    )
    framework = forms.ChoiceField(
        label="Framework", choices=[("", "any"), *FRAMEWORK_CHOICES], required=False
    )
    format = forms.ChoiceField(
        label="Download", required=False, choices=[("", "—"), ("csv", "CSV"), ("json", "JSON")]
    )

    def __init__(self, data=None, *args, **kwargs):
        # `from` is a Python keyword: the field is `from_`, the parameter stays `from`.
        if data is not None:
            data = data.copy()
            if "from" in data:
                data["from_"] = data["from"]
        super().__init__(data, *args, **kwargs)
        del self.fields["export"]

    def clean_framework(self):
        return self.cleaned_data.get("framework") or ""

    def clean_criterion(self):
        code = self.cleaned_data["criterion"].strip()
        if code and not Criterion.objects.filter(code__iexact=code).exists():
            raise ValidationError(f"No criterion has the code {shorten(code)}.")
        return code

    def clean(self):
        data = forms.Form.clean(self)
        start, end = history.default_window()
        data["from_"] = data.get("from_") or start
        data["to"] = data.get("to") or end
        if data["to"] > end:
            self.add_error("to", "That day is in the future.")
        elif data["from_"] > data["to"]:
            self.add_error("from_", "“From” must not be after “to”.")
        return data

    def window(self):
        """(since, until): the moments bounding the chosen days, both ends included."""
        data = self.cleaned_data
        since = history.end_of_day(data["from_"] - datetime.timedelta(days=1))
        return since, history.end_of_day(data["to"])

    def cell_filter(self):
        data = self.cleaned_data
        chosen = {}
        if data.get("country") or data.get("group") or data.get("region"):
            chosen["country_id__in"] = list(self.countries().values_list("pk", flat=True))
        if data.get("framework"):
            chosen["criterion__framework__code"] = data["framework"]
        if data.get("criterion"):
            chosen["criterion__code__iexact"] = data["criterion"]
        return chosen


class ChartsForm(forms.Form):
    """`/figures/over-time/?criterion=ICMEC.4` or `?region=Asia`: whose statuses to chart."""

    criterion = forms.CharField(label="Criterion code", required=False, max_length=20)
    region = forms.ChoiceField(label="Region", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        regions = Country.objects.order_by("region").values_list("region", flat=True).distinct()
        self.fields["region"].choices = [("", "—"), *((r, r) for r in regions)]

    def clean_criterion(self):
        code = self.cleaned_data["criterion"].strip()
        if not code:
            return None
        criterion = Criterion.objects.leaves().filter(code__iexact=code).first()
        if criterion is None:
            raise ValidationError(f"No assessed criterion has the code {shorten(code)}.")
        return criterion
