"""Country list and country profile."""

import re

from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.urls import reverse

from legislation import history, rules
from legislation.coverage import lanzarote_parties
from legislation.models import GLOBAL_NORTH, Country, Criterion, Framework
from legislation.reports.laws import laws_on_record
from legislation.reports.profile import (
    annotate_lines,
    change_log,
    framework_summaries,
    frameworks_by_code,
    lanzarote_participation,
)
from legislation.site.forms import CountrySearchForm
from legislation.site.published import at, published_view

ISO2_RE = re.compile(r"[A-Za-z]{2}")
# Only plain words are used to look for suggestions; anything else (NUL bytes, which
# PostgreSQL refuses, or markup) just gets the search form.
SUGGESTIBLE_RE = re.compile(r"[A-Za-z][A-Za-z .'-]{0,49}")
MAX_SUGGESTIONS = 8
# Codes ISO 3166-1 reserves "exceptionally" for these countries; people type them often, but
# the country's own code is the one used here.
EXCEPTIONALLY_RESERVED = {"UK": "GB", "EL": "GR"}


def country_not_found(request, code):
    """The site's 404 page, with a country search and any countries the code might have meant."""
    code = code[:50]
    suggestions = []
    if SUGGESTIBLE_RE.fullmatch(code):
        suggestions = list(
            Country.objects.filter(
                Q(iso3__iexact=code)
                | Q(name__icontains=code)
                | Q(iso2__iexact=EXCEPTIONALLY_RESERVED.get(code.upper(), code[:2]))
            )[:MAX_SUGGESTIONS]
        )
    ctx = {"searched_code": code, "suggestions": suggestions}
    return render(request, "404.html", ctx, status=404)


def get_country(request, iso2):
    """(country, None), or (None, response): a redirect to the lower-case URL or a 404 page."""
    if not ISO2_RE.fullmatch(iso2):
        return None, country_not_found(request, iso2)
    if iso2 != iso2.lower():
        url = reverse(request.resolver_match.view_name, kwargs={"iso2": iso2.lower()})
        return None, redirect(request.published_on.keep(url), permanent=True)
    country = Country.objects.filter(iso2=iso2.upper()).prefetch_related("groups").first()
    if country is None:
        return None, country_not_found(request, iso2)
    return country, None


@published_view
def country_list(request):
    form = CountrySearchForm(request.GET)
    status = 200
    countries = Country.objects.none()
    if form.is_valid():
        countries = form.filter(Country.objects.all())
    else:
        status = 400
    countries = countries.prefetch_related("groups").order_by(
        *(countries.query.order_by or ["name"])  # a search keeps its ranking
    )
    moment = at(request)
    tallies = history.cell_tallies(moment, by=("country_id", "criterion__framework__code"))
    parties = lanzarote_parties(moment)
    # A country's total is the framework's criteria, not its records: a missing cell is not
    # assessed, and cannot make "sufficient" read "no".
    leaves = dict(
        Criterion.objects.filter(is_leaf=True)
        .values("framework__code")
        .annotate(n=Count("pk"))
        .values_list("framework__code", "n")
    )
    icmec_total = leaves.get(Framework.ICMEC, 0)
    lanzarote_total = leaves.get(Framework.LANZAROTE, 0)
    none = {"assessed": 0, "met": 0, "gaps": 0}
    rows = []
    for c in countries:
        icmec = tallies.get((c.pk, Framework.ICMEC), none)
        lanzarote = tallies.get((c.pk, Framework.LANZAROTE), none)
        rows.append(
            {
                "country": c,
                "icmec_met": icmec["met"],
                "icmec_assessed": icmec["assessed"],
                "icmec_total": icmec_total,
                "icmec_sufficient": rules.sufficiency(icmec["met"], icmec["assessed"], icmec_total),
                "lanzarote_assessed": lanzarote["assessed"],
                "lanzarote_total": lanzarote_total,
                "lanzarote_gaps": lanzarote["gaps"],
                "icmec_gaps": icmec["gaps"],
                "lanzarote_party": c.pk in parties,
            }
        )
    ctx = {
        "form": form,
        "rows": rows,
        "total_countries": Country.objects.count(),
        "filtered": form.is_valid() and any(form.cleaned_data.values()),
    }
    return render(request, "legislation/site/country_list.html", ctx, status=status)


def group_names(country):
    """Stored groups, plus "Global South", which is derived as everyone outside the North."""
    groups = list(country.groups.all())
    names = [g.name for g in groups]
    if not any(g.slug == GLOBAL_NORTH for g in groups):
        names.append("Global South")
    return names


@published_view
def profile(request, iso2):
    country, response = get_country(request, iso2)
    if response:
        return response
    summaries = framework_summaries(country, at(request))
    participation = lanzarote_participation(country, frameworks_by_code(summaries), at(request))
    ctx = {
        "country": country,
        "groups": group_names(country),
        "summaries": summaries,
        "participation": participation,
        "published_ratings": annotate_lines(summaries, participation, country),
        "laws_on_record": laws_on_record(country, at(request)),
        "changes": change_log(country, until=at(request)),
    }
    return render(request, "legislation/site/country_profile.html", ctx)
