"""Plain factory functions: the smallest valid records, overridable by keyword."""

import csv
import datetime
import itertools
import string
from pathlib import Path

from django.contrib.auth.models import Group, User

from legislation.models import (
    Assessment,
    Country,
    CountryGroup,
    Criterion,
    Framework,
    LegalInstrument,
    Provision,
    Source,
)
from legislation.statuses import ReasonCode, Status

_numbers = itertools.count(1)


def make_user(username=None, groups=(), **kwargs):
    user = User.objects.create_user(
        username=username or f"user{next(_numbers)}", password="pw", is_staff=True, **kwargs
    )
    for name in groups:
        user.groups.add(Group.objects.get(name=name))
    return user


def make_source(**kwargs):
    n = next(_numbers)
    kwargs.setdefault("title", f"Desk review {n}")
    return Source.objects.create(**kwargs)


def make_instrument(country, **kwargs):
    kwargs.setdefault("title", f"Penal Code {next(_numbers)}")
    kwargs.setdefault("year", 2020)
    return LegalInstrument.objects.create(country=country, **kwargs)


def make_provision(instrument, **kwargs):
    kwargs.setdefault("reference", f"Art. {next(_numbers)}")
    return Provision.objects.create(instrument=instrument, **kwargs)


def _synthetic_iso2_codes():
    """Two-letter codes no real country here uses: ISO's user-assigned ones first (AA, QM–QZ,
    XA–XZ, ZZ; Kosovo's XK excluded with every other real code), then any other free pair."""
    with COUNTRIES_CSV.open(encoding="utf-8") as handle:
        real = {row["iso2"] for row in csv.DictReader(handle)}
    letters = string.ascii_uppercase
    preferred = ["AA", *(f"Q{c}" for c in letters[12:]), *(f"X{c}" for c in letters), "ZZ"]
    rest = [a + b for a in letters for b in letters]
    codes = list(dict.fromkeys(preferred + rest))
    return [code for code in codes if code not in real]


COUNTRIES_CSV = Path(__file__).resolve().parent.parent / "legislation/data/countries.csv"
_country_codes = iter(_synthetic_iso2_codes())
_country_numbers = itertools.count(1)


def make_country(**kwargs):
    """A synthetic country whose codes can never clash with a real one, however many sources,
    users or countries a test made before it (its own counter, real codes excluded)."""
    n = next(_country_numbers)
    kwargs.setdefault("iso2", next(_country_codes))
    kwargs.setdefault("iso3", f"Q{n:02d}"[-3:] if n < 100 else f"{n}"[-3:])
    kwargs.setdefault("name", f"Testland {n}")
    kwargs.setdefault("region", "Europe")
    kwargs.setdefault("subregion", "Western Europe")
    kwargs.setdefault("un_status", "member")
    groups = kwargs.pop("groups", [])
    country = Country.objects.create(**kwargs)
    for slug in groups:
        country.groups.add(CountryGroup.objects.get(slug=slug))
    return country


def cell(country, code):
    return Assessment.objects.get(country=country, criterion__code=code)


def assess(
    country,
    code,
    status,
    *,
    source=None,
    note="",
    grade="B",
    as_of=None,
    reason="test",
    reason_code=ReasonCode.NEW_EVIDENCE,
    public_reason="",
):
    """Set one cell as an editor would, through full validation and with a history reason."""
    assessment, _ = Assessment.objects.get_or_create(
        country=country, criterion=Criterion.objects.get(code=code)
    )
    assessment.status = Status(status)
    assessment.note = note
    assessment.evidence_grade = grade if status != Status.NOT_ASSESSED else ""
    assessment.as_of = as_of or datetime.date(2024, 1, 31)
    if status != Status.NOT_ASSESSED:
        assessment.source = source or make_source()
    assessment.full_clean()
    assessment._change_reason = reason
    assessment._reason_code = reason_code
    assessment._public_reason = public_reason
    assessment.save()
    return assessment


def framework(code=Framework.ICMEC):
    return Framework.objects.get(code=code)
