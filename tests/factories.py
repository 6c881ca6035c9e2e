"""Plain factory functions: the smallest valid records, overridable by keyword."""

import datetime
import itertools

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


def make_country(**kwargs):
    """A synthetic country with codes that can never clash with a real ISO code (Q/X ranges)."""
    n = next(_numbers)
    letters = "ABCDEFGHIJKLMNOPQRSTUVWYZ"
    kwargs.setdefault("iso2", "Q" + letters[n % 25] if n < 25 else f"X{letters[n % 25]}")
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
