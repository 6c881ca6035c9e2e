"""Issue 12: the facts in legislation/data/ADDITIONS.md, as the loader records them."""

import csv
import io

import pytest
from django.core.management import call_command

from legislation import reference_additions as additions
from legislation.models import (
    Assessment,
    Country,
    LegalInstrument,
    Provision,
    PublishedFigure,
    PublishedRating,
    TreatyParticipation,
    TreatyReservation,
)
from legislation.reference_data import DATA_DIR, LOADER_REASON
from legislation.statuses import Status

from .factories import cell, make_user

pytestmark = pytest.mark.usefixtures("reference_data")


def party(iso2):
    return TreatyParticipation.objects.get(country__iso2=iso2, treaty__code="lanzarote")


def reservation(iso2, article):
    return TreatyReservation.objects.get(participation__country__iso2=iso2, article=article)


def load():
    out = io.StringIO()
    call_command("load_reference_data", stdout=out)
    return out.getvalue()


def history_counts():
    return {
        model.__name__: model.history.count()
        for model in (
            Assessment,
            TreatyParticipation,
            TreatyReservation,
            LegalInstrument,
            Provision,
        )
    }


# --- idempotent, and never over an editor --------------------------------------------------------


def test_it_changes_nothing_on_a_second_run():
    before = history_counts()
    assert "nothing changed" in load()
    assert history_counts() == before


def test_it_keeps_an_editors_reservation_text():
    editor = make_user(groups=["Editors"])
    denmark = reservation("DK", "20(3), 2nd indent")
    denmark.text = "Edited by an editor after reading the full text."
    denmark._history_user = editor
    denmark._change_reason = "Read the full text"
    denmark.save()
    load()
    denmark.refresh_from_db()
    assert denmark.text == "Edited by an editor after reading the full text."


def test_it_keeps_an_editors_treaty_dates():
    editor = make_user(groups=["Editors"])
    finland = party("FI")
    finland.ratified = None
    finland._history_user = editor
    finland._change_reason = "Checked the Treaty Office chart"
    finland.save()
    load()
    finland.refresh_from_db()
    assert finland.ratified is None


def test_it_keeps_an_editors_provision():
    editor = make_user(groups=["Editors"])
    provision = Provision.objects.get(
        instrument__country__iso2="US", reference__startswith="§ 2256"
    )
    provision.version = "read again in 2026"
    provision._history_user = editor
    provision._change_reason = "New reading"
    provision.save()
    load()
    provision.refresh_from_db()
    assert provision.version == "read again in 2026"


def test_it_writes_every_loader_reason_for_the_public_within_the_history_limit():
    reasons = set()
    for model in (Assessment, TreatyParticipation, TreatyReservation, LegalInstrument, Provision):
        reasons |= set(
            model.history.exclude(history_change_reason=None).values_list(
                "history_change_reason", flat=True
            )
        )
    # The grid of empty cells keeps the shared LOADER_REASON, which another change rewords.
    new = {r for r in reasons if " from " in r and r != LOADER_REASON}
    assert new, reasons
    for text in new:
        assert len(text) <= additions.REASON_LENGTH
        assert ".csv" not in text and "legislation/" not in text, text


# --- Lanzarote dates -----------------------------------------------------------------------------


def test_it_gives_at_least_eighteen_parties_a_dated_event_each_naming_its_source():
    dated = 0
    for record in TreatyParticipation.objects.filter(treaty__code="lanzarote"):
        steps = [n for n in ("signed", "ratified", "in_force") if getattr(record, n)]
        dated += bool(steps)
        for name in steps:
            assert getattr(record, f"{name}_source"), (record, name)
            assert getattr(record, f"{name}_quality"), (record, name)
    assert dated >= 18


def test_it_records_a_deposit_with_its_kind_source_and_quality():
    netherlands = party("NL")
    assert netherlands.ratified.isoformat() == "2010-03-01"
    assert netherlands.ratified_as == "acceptance"
    assert "finlex.fi" in netherlands.ratified_source
    assert netherlands.ratified_quality == TreatyParticipation.DateQuality.OFFICIAL


def test_it_marks_a_date_derived_from_being_among_the_first_five_as_derived():
    san_marino = party("SM")
    assert san_marino.in_force.isoformat() == "2010-07-01"
    assert san_marino.in_force_quality == TreatyParticipation.DateQuality.DERIVED
    assert san_marino.ratified is None  # "ratification date itself not found"


def test_it_keeps_not_yet_ratified_in_2017_as_a_note_never_as_a_date():
    norway = party("NO")
    assert "not yet ratified" in norway.notes.lower() and "coe.int" in norway.notes
    assert norway.ratified is None
    assert "not yet ratified" in party("GB").notes.lower()


def test_it_refuses_two_files_that_disagree_on_a_date():
    row = {
        "iso2": "AM",
        "signed": "",
        "ratified": "2020-09-08",
        "in_force": "",
        "source": "x",
        "date_source_quality": "mixed",
    }
    with open(DATA_DIR / "lanzarote_dates_additions.csv", encoding="utf-8") as f:
        dated = additions.date_additions(list(csv.DictReader(f)))
    with pytest.raises(ValueError, match="AM: ratified"):
        additions.participation_values(row, dated, {})


# --- reservations, declarations, objections ------------------------------------------------------


def test_it_records_denmarks_reservation_on_production_and_possession_in_part():
    denmark = reservation("DK", "20(3), 2nd indent")
    assert denmark.kind == TreatyReservation.Kind.RESERVATION
    assert {c.code for c in denmark.criteria.all()} == {"L20.1.a", "L20.1.e"}
    assert denmark.extent == TreatyReservation.Extent.PART
    assert denmark.effective_from.isoformat() == "2010-07-01"
    assert "coe.int" in denmark.source


@pytest.mark.parametrize("iso2", ["MC", "AD"])
def test_it_records_the_attempt_reservations_of_monaco_and_andorra_on_l24_2(iso2):
    attempt = reservation(iso2, "24(3)")
    assert [c.code for c in attempt.criteria.all()] == ["L24.2"]
    assert attempt.extent == TreatyReservation.Extent.PART
    assert "24(2)" in attempt.provisions_affected


def test_it_links_an_objection_to_the_declaration_it_objects_to():
    greece = TreatyReservation.objects.get(participation__country__iso2="GR")
    assert greece.kind == TreatyReservation.Kind.OBJECTION
    assert greece.objects_to.participation.country.iso2 == "AZ"


def test_it_keeps_the_treaty_database_listing_apart_from_reservations_read():
    belgium = party("BE")
    assert belgium.declarations_listed is True
    assert not belgium.reservations.exists()
    assert "verdragenbank" in belgium.listing_source


# --- published ratings ---------------------------------------------------------------------------


def test_it_records_the_five_that_met_all_five_in_2006():
    met_all = PublishedRating.objects.filter(edition=1, summary="met all five")
    assert set(met_all.values_list("country__iso2", flat=True)) == {"AU", "BE", "FR", "ZA", "US"}


def test_it_records_only_what_was_said_of_the_philippines_in_2006():
    ph = PublishedRating.objects.get(country__iso2="PH", edition=1)
    assert [c.code for c in ph.criteria_not_met.all()] == ["ICMEC.4"]
    assert not ph.criteria_met.exists()
    assert "not stated" in ph.summary


def test_it_never_turns_a_published_rating_into_a_cell():
    us = Country.objects.get(iso2="US")
    assert not Assessment.objects.filter(country=us).assessed().exists()


# --- ASEAN seed cells ----------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["ICMEC.2", "ICMEC.4"])
def test_it_seeds_laos_as_not_met_as_of_2021_citing_the_study(code):
    laos = cell(Country.objects.get(iso2="LA"), code)
    assert laos.status == Status.NOT_MET
    assert laos.as_of.year == 2021 and laos.as_of_precision == Assessment.AsOfPrecision.YEAR
    assert laos.evidence_grade == "C"
    assert "Rahamathulla" in laos.source.title


def test_it_keeps_the_newer_source_and_names_the_older_in_the_note():
    singapore = cell(Country.objects.get(iso2="SG"), "ICMEC.2")
    assert "Rahamathulla" in singapore.source.title
    assert "Global Threat Assessment 2019" in singapore.note


@pytest.mark.parametrize("iso2", ["BN", "PH", "TH"])
def test_it_leaves_countries_the_study_does_not_name_as_they_are(iso2):
    country = Country.objects.get(iso2=iso2)
    assert cell(country, "ICMEC.2").status == Status.NOT_ASSESSED
    assert cell(country, "ICMEC.4").status == Status.NOT_ASSESSED


# --- statutes ------------------------------------------------------------------------------------


@pytest.mark.parametrize("iso2", ["US", "GB", "DE", "NL", "CA", "AU", "IN", "PH", "KE", "TH", "BR"])
def test_it_records_the_statutes_as_laws_with_no_cell(iso2):
    provisions = Provision.objects.filter(instrument__country__iso2=iso2)
    assert provisions.exists()
    assert not Assessment.objects.filter(provisions__in=provisions).exists()
    assert all(p.version and p.location for p in provisions)


def test_it_takes_an_instruments_year_from_its_title():
    assert (
        additions.instrument_year("Act Amending the Penal Code (No. 24), B.E. 2558 (2015)") == 2015
    )
    assert additions.instrument_year("Strafgesetzbuch (StGB)") is None
    german = LegalInstrument.objects.get(country__iso2="DE")
    assert german.year is None and german.language == "German"


# --- ICMEC figures by edition --------------------------------------------------------------------


def test_it_marks_the_change_in_meaning_of_sufficient_at_the_seventh_edition():
    rules = dict(
        PublishedFigure.objects.filter(figure="sufficient").values_list(
            "release", "sufficiency_rule"
        )
    )
    assert rules["6th ed."] == PublishedFigure.SufficiencyRule.ALL_OR_ALL_BUT_ISP
    assert rules["1st ed."] == PublishedFigure.SufficiencyRule.ALL_OR_ALL_BUT_ISP
    assert rules["7th ed."] == PublishedFigure.SufficiencyRule.FOUR_OR_MORE
    assert rules["9th ed."] == PublishedFigure.SufficiencyRule.FOUR_OR_MORE


def test_it_loads_the_2009_update_without_inventing_an_edition_number():
    update = PublishedFigure.objects.get(figure="sufficient", edition=None)
    assert update.value == 35 and update.published == "2009-07"


def test_it_loads_no_figure_the_sources_did_not_publish():
    # The 9th edition's "meet all five" is "(not found)" in the series; only the base file's
    # unconfirmed 21 is on record.
    assert PublishedFigure.objects.filter(edition=9, figure="all_five").count() == 1
    assert not PublishedFigure.objects.filter(edition=10).exists()
