"""The gap report's data (legislation/gaps.py), without HTTP."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from legislation.models import (
    Assessment,
    Country,
    Criterion,
    Framework,
    TreatyParticipation,
    TreatyReservation,
)
from legislation.reports.gap_report import PEERS_PER_GAP, build_gap_report
from legislation.reports.profile import (
    TREATY_OFFICE_CHART,
    change_log,
    lanzarote_participation,
)
from legislation.reports.regional import build_regional_report
from legislation.statuses import ReasonCode, Status, format_as_of

from .factories import assess, make_source
from .scenarios import country, meets, philippines_with_gaps

pytestmark = pytest.mark.usefixtures("reference_data")


def test_it_lists_exactly_the_not_met_and_partial_criteria_as_gaps():
    report = build_gap_report(philippines_with_gaps())
    assert {e.criterion.code: e.status for e in report.gaps} == {
        "ICMEC.2": Status.PARTIAL,
        "ICMEC.5": Status.NOT_MET,
        "L23": Status.NOT_MET,
    }


def test_it_orders_gaps_by_the_priority_kept_with_the_criteria():
    report = build_gap_report(philippines_with_gaps())
    priorities = {c.code: c.priority for c in Criterion.objects.leaves()}
    codes = [e.criterion.code for e in report.gaps]
    assert codes == sorted(codes, key=priorities.get)
    assert codes == ["ICMEC.2", "L23", "ICMEC.5"]


def test_it_puts_reserved_items_in_their_own_section_and_not_among_gaps():
    report = build_gap_report(philippines_with_gaps())
    assert [e.criterion.code for e in report.reserved] == ["L20.1.f"]
    assert "L20.1.f" not in [e.criterion.code for e in report.gaps]


def test_it_lists_not_assessed_criteria_as_research_gaps_never_as_gaps():
    report = build_gap_report(philippines_with_gaps())
    research = {line.criterion.code for line in report.research_gaps}
    assessed = {"ICMEC.1", "ICMEC.2", "ICMEC.5", "L23", "L20.1.f"}
    assert research == set(Criterion.objects.leaves().values_list("code", flat=True)) - assessed
    assert not research & {e.criterion.code for e in report.gaps}


def test_it_names_peers_that_meet_each_gap_nearest_first_with_their_provisions():
    report = build_gap_report(philippines_with_gaps())
    definition = report.gaps[0]
    assert [(p.country.iso2, p.proximity) for p in definition.peers] == [
        ("TH", "same sub-region"),
        ("JP", "same region"),
        ("GB", ""),
    ]
    assert [str(p.reference) for p in definition.peers[0].provisions] == ["s. 1(17) Criminal Code"]


def test_it_puts_the_best_evidenced_peer_first_at_the_same_distance():
    ph = philippines_with_gaps()
    # Timor-Leste: same sub-region as Thailand (grade B), after it alphabetically.
    meets("TL", "ICMEC.2", grade="A")
    definition = build_gap_report(ph).gaps[0]
    assert [p.country.iso2 for p in definition.peers][:2] == ["TL", "TH"]


def test_it_says_when_no_country_meets_a_gap():
    report = build_gap_report(philippines_with_gaps())
    isp = next(e for e in report.gaps if e.criterion.code == "ICMEC.5")
    assert isp.peers == [] and isp.peers_total == 0


def test_it_keeps_the_nearest_peers_and_counts_the_rest():
    ph = philippines_with_gaps()
    for iso2 in ["DE", "FR", "IT", "ES", "NL", "SE"]:
        meets(iso2, "L23")
    grooming = next(e for e in build_gap_report(ph).gaps if e.criterion.code == "L23")
    assert len(grooming.peers) == PEERS_PER_GAP
    assert grooming.peers_total == 7
    assert grooming.more_peers == 2


def test_it_never_counts_a_partial_or_unassessed_cell_as_a_peer():
    ph = philippines_with_gaps()
    assess(country("VN"), "ICMEC.2", Status.PARTIAL)
    definition = build_gap_report(ph).gaps[0]
    assert "VN" not in [p.country.iso2 for p in definition.peers]


def test_it_gathers_the_sources_of_the_country_and_of_the_peer_examples_separately():
    report = build_gap_report(philippines_with_gaps())
    assert [s.title for s in report.sources] == ["Desk review of the Philippine Anti-OSAEC Act"]
    assert len(report.peer_sources) == 4


def test_it_stamps_the_range_of_as_of_dates():
    report = build_gap_report(philippines_with_gaps())
    assert report.as_of_stamp.startswith("31 January 2024 to 1 March 2024")


def test_it_reads_a_year_only_date_as_a_year():
    assert format_as_of(datetime.date(2018, 12, 31), Assessment.AsOfPrecision.YEAR) == "2018"
    assert format_as_of(None) == "date not yet found"


def test_it_reports_a_seed_country_definition_gap_with_the_published_source():
    report = build_gap_report(country("SG"))
    (gap,) = report.gaps
    assert gap.criterion.code == "ICMEC.2" and gap.status == Status.NOT_MET
    # The newer published source is the cell's; the older one is named in its note.
    assert "Rahamathulla" in gap.line.source.title
    assert gap.line.as_of == "2021"
    assert "Global Threat Assessment 2019" in gap.line.note


def test_it_names_files_with_the_iso_code_and_the_date():
    report = build_gap_report(country("SG"), now=datetime.datetime(2025, 5, 6, tzinfo=datetime.UTC))
    assert report.filename_stem == "gap-report-sg-2025-05-06"


def test_it_builds_the_gap_report_in_a_fixed_number_of_queries_however_many_peers(
    django_assert_max_num_queries,
):
    ph = philippines_with_gaps()
    with django_assert_max_num_queries(20) as few:
        build_gap_report(ph)
    for iso2 in ["DE", "FR", "IT", "ES", "NL", "SE", "NO", "PL", "PT", "IE", "AT", "BE"]:
        meets(iso2, "L23")
        meets(iso2, "ICMEC.2")
    with django_assert_max_num_queries(20) as many:
        build_gap_report(ph)
    assert len(many.captured_queries) == len(few.captured_queries)


# --- change log -------------------------------------------------------------------------------


def test_it_ignores_the_blank_grid_the_loader_created_in_the_change_log():
    assert change_log(country("FR")) == []


def test_it_logs_old_and_new_status_and_the_kind_of_change():
    fr = country("FR")
    assess(fr, "L23", Status.PARTIAL, reason_code=ReasonCode.FIRST_ASSESSMENT)
    assess(fr, "L23", Status.MET, reason_code=ReasonCode.LAW_AMENDED, public_reason="Amended")
    newest, oldest = change_log(fr)
    assert (oldest.old_status, oldest.new_status, oldest.reason_label) == (
        Status.NOT_ASSESSED,
        Status.PARTIAL,
        "first assessment",
    )
    assert (newest.old_status, newest.new_status, newest.reason_label) == (
        Status.PARTIAL,
        Status.MET,
        "law amended",
    )
    assert newest.public_reason == "Amended" and newest.criterion.code == "L23"


def test_it_logs_other_fields_that_changed_with_the_status_unchanged():
    fr = country("FR")
    source = make_source()
    assess(fr, "L23", Status.PARTIAL, source=source, note="first")
    assess(fr, "L23", Status.PARTIAL, source=source, note="second", reason="Clarified note")
    newest = change_log(fr)[0]
    assert newest.old_status == newest.new_status == Status.PARTIAL
    assert newest.evidence_changes == [("note", "first", "second")]


def test_it_logs_the_seed_values_as_first_assessments_from_their_published_source():
    (change,) = change_log(country("SG"))
    assert (change.old_status, change.new_status) == (Status.NOT_ASSESSED, Status.NOT_MET)
    assert change.reason_label == "first assessment"
    # Singapore's seed is the newer published source (2021), the study of ASEAN laws.
    assert "Rahamathulla" in change.public_reason
    assert ".csv" not in change.public_reason


# --- Lanzarote participation ------------------------------------------------------------------


def frameworks():
    return {f.code: f for f in Framework.objects.all()}


def test_it_calls_a_country_without_a_treaty_record_not_a_party():
    participation = lanzarote_participation(country("PH"), frameworks())
    assert not participation.is_party
    assert participation.standing.startswith("not a Party")


def test_it_reads_blank_dates_as_unknown_and_points_secondary_dates_to_the_treaty_office():
    germany = TreatyParticipation.objects.get(country__iso2="DE")
    assert germany.date_quality == "secondary" and germany.signed is None
    participation = lanzarote_participation(germany.country, frameworks())
    assert ("signed", "date not yet found") in participation.dates()
    assert participation.dates_secondary
    assert "secondary sources" in participation.date_quality_note
    assert participation.chart_url == TREATY_OFFICE_CHART


def test_it_points_a_party_without_any_date_to_the_treaty_office():
    belgium = TreatyParticipation.objects.get(country__iso2="BE")
    assert belgium.signed is None and belgium.ratified is None and belgium.in_force is None
    participation = lanzarote_participation(belgium.country, frameworks())
    assert participation.dates() == [
        ("signed", "date not yet found"),
        ("ratified", "date not yet found"),
        ("in force", "date not yet found"),
    ]
    assert participation.needs_confirmation
    assert "date not yet found" in participation.date_quality_note


def test_it_shows_no_missing_signature_for_a_state_that_acceded():
    tunisia = TreatyParticipation.objects.get(country__iso2="TN")
    participation = lanzarote_participation(tunisia.country, frameworks())
    assert [label for label, _ in participation.dates()] == ["acceded", "in force"]


def test_it_attaches_a_recorded_reservation_to_the_reserved_item():
    ph = philippines_with_gaps()
    part = TreatyParticipation.objects.create(
        country=ph, treaty=Framework.objects.get(code="lanzarote"), action="ratification"
    )
    reservation = TreatyReservation.objects.create(
        participation=part, kind="reservation", article="20(4)", text="Art. 20(1)(f) not applied."
    )
    reservation.criteria.add(Criterion.objects.get(code="L20.1.f"))
    (reserved,) = build_gap_report(ph).reserved
    assert [r.text for r in reserved.reservations] == ["Art. 20(1)(f) not applied."]


# --- regional report --------------------------------------------------------------------------


def test_it_lists_for_each_criterion_the_countries_of_a_region_lacking_it():
    philippines_with_gaps()
    assess(country("VN"), "ICMEC.2", Status.NOT_MET)
    countries = Country.objects.filter(subregion="South-eastern Asia")
    report = build_regional_report(countries, "icmec")
    by_code = {row.criterion.code: row for row in report.criteria}
    assert [(c.iso2, s) for c, s in by_code["ICMEC.2"].lacking] == [
        ("ID", Status.NOT_MET),  # seed values
        ("LA", Status.NOT_MET),
        ("MY", Status.NOT_MET),
        ("MM", Status.NOT_MET),
        ("PH", Status.PARTIAL),
        ("SG", Status.NOT_MET),  # a seed value
        ("VN", Status.NOT_MET),
    ]
    assert by_code["ICMEC.2"].met == 1  # Thailand
    # six seed values (WePROTECT 2019, ASEAN review 2021), the Philippines and Thailand
    assert by_code["ICMEC.2"].assessed == 8 and by_code["ICMEC.2"].total == 11


def test_it_lists_a_region_alphabetically_and_totals_its_gaps():
    philippines_with_gaps()
    report = build_regional_report(Country.objects.filter(iso2__in=["TH", "PH"]), "icmec")
    assert [c.country.iso2 for c in report.countries] == ["PH", "TH"]
    assert report.gap_cells == 2  # PH: ICMEC.2 partial, ICMEC.5 not met
    assert report.assessed_cells == 4 and report.total_cells == 10


def test_it_serves_the_gap_report_page_in_a_fixed_number_of_queries(client):
    ph = philippines_with_gaps()
    with CaptureQueriesContext(connection) as few:
        assert client.get("/countries/ph/gaps/").status_code == 200
    for iso2 in ["DE", "FR", "IT", "ES", "NL", "SE", "NO", "PL", "PT", "IE", "AT", "BE"]:
        meets(iso2, "L23")
        meets(iso2, "ICMEC.5")
    assess(ph, "L18.1.a", Status.NOT_MET)
    with CaptureQueriesContext(connection) as many:
        client.get("/countries/ph/gaps/")
    assert len(many.captured_queries) == len(few.captured_queries)
