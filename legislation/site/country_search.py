"""Finding countries by what people type: a name, part of one, an ISO code, or a common or
former name ("UK", "Britain", "Turkey", "Ivory Coast", "Burma", "Swaziland").

The common and former names are country_converter's own name patterns, written to
`legislation/data/country_name_patterns.csv` by `tools/derive_countries.py`: maintained
upstream, never a hand-typed list. Exact code matches rank first, then the countries a name
pattern recognises, then names starting with the text, then names containing it.
"""

import csv
import re
from functools import cache
from pathlib import Path

from django.db.models import Case, IntegerField, Q, Value, When

PATTERNS_CSV = Path(__file__).resolve().parent.parent / "data" / "country_name_patterns.csv"
# Codes ISO 3166-1 reserves "exceptionally" for these countries; people type them often.
EXCEPTIONALLY_RESERVED = {"UK": "GB", "EL": "GR"}


@cache
def name_patterns():
    with PATTERNS_CSV.open(encoding="utf-8", newline="") as handle:
        return [(row["iso2"], re.compile(row["pattern"], re.I)) for row in csv.DictReader(handle)]


def recognised_codes(text):
    """ISO alpha-2 codes whose common or former names match the whole text typed."""
    text = " ".join(text.split())
    codes = {iso2 for iso2, pattern in name_patterns() if pattern.search(text)}
    if text.upper() in EXCEPTIONALLY_RESERVED:
        codes.add(EXCEPTIONALLY_RESERVED[text.upper()])
    return codes


def search(countries, text):
    """`countries` narrowed to those matching `text`, best match first (then by name)."""
    text = text.strip()
    if not text:
        return countries
    recognised = recognised_codes(text)
    by_code = Q(iso2__iexact=text) | Q(iso3__iexact=text)
    matches = (
        by_code
        | Q(iso2__in=recognised)
        | Q(name__icontains=text)
        | Q(official_name__icontains=text)
    )
    rank = Case(
        When(by_code, then=Value(0)),
        When(iso2__in=recognised, then=Value(1)),
        When(name__istartswith=text, then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )
    return countries.filter(matches).annotate(search_rank=rank).order_by("search_rank", "name")
