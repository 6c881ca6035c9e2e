import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from legislation.models import Assessment, Country, Criterion
from legislation.statuses import Status

from .factories import assess, cell, make_source

pytestmark = pytest.mark.usefixtures("reference_data")


@pytest.fixture
def france():
    return Country.objects.get(iso2="FR")


def test_it_refuses_reserved_where_no_reservation_is_allowed(france):
    with pytest.raises(ValidationError) as error:
        assess(france, "L20.1.b", Status.RESERVED)
    message = " ".join(error.value.message_dict["status"])
    assert "L20.1.b" in message
    assert "Offering or making available" in message


def test_it_accepts_reserved_where_the_convention_allows_it(france):
    assert assess(france, "L20.1.f", Status.RESERVED).status == Status.RESERVED


def test_it_refuses_an_assessed_status_without_a_source(france):
    assessment = cell(france, "ICMEC.4")
    assessment.status = Status.MET
    with pytest.raises(ValidationError) as error:
        assessment.full_clean()
    assert "source" in error.value.message_dict


def test_it_refuses_to_assess_an_article_heading(france):
    assessment = Assessment(
        country=france, criterion=Criterion.objects.get(code="Art.20"), source=make_source()
    )
    with pytest.raises(ValidationError) as error:
        assessment.full_clean(validate_unique=False)
    assert "article heading" in " ".join(error.value.message_dict["criterion"])


def test_the_database_keeps_one_cell_per_country_and_criterion(france):
    with pytest.raises(IntegrityError), transaction.atomic():
        Assessment.objects.create(country=france, criterion=Criterion.objects.get(code="ICMEC.1"))


def test_the_database_refuses_an_unknown_status(france):
    with pytest.raises(IntegrityError), transaction.atomic():
        Assessment.objects.filter(pk=cell(france, "ICMEC.1").pk).update(status="no")


def test_the_database_refuses_an_unknown_evidence_grade(france):
    with pytest.raises(IntegrityError), transaction.atomic():
        Assessment.objects.filter(pk=cell(france, "ICMEC.1").pk).update(evidence_grade="E")
