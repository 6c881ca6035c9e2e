"""Issue 12: what the pages say of reservations, dates, published ratings and laws on record."""

import html
import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from docx import Document

from legislation.figures import headline_figures
from legislation.matrix import build_summary_matrix
from legislation.models import Assessment, Country, Framework, Provision, TreatyParticipation
from legislation.reference_data import LoadReport, create_missing_cells
from legislation.reports.treaty import COE_DECLARATIONS_URL, DATE_NOT_FOUND, SOURCES_CHECKED
from legislation.statuses import Status

from .factories import assess, cell, make_country, make_source, make_user

pytestmark = pytest.mark.usefixtures("reference_data")


def text_of(response):
    assert response.status_code == 200
    body = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(body))


def profile(client, code):
    return text_of(client.get(f"/countries/{code}/"))


def row_of(body, code):
    """The profile's table row of one criterion, as text (the last place the code appears:
    the treaty record above the tables names criteria too)."""
    start = body.rindex(f" {code} ")
    return body[start : start + 1200]


# --- reservations ------------------------------------------------------------------------------


def test_it_shows_denmarks_reservation_with_the_criteria_it_affects(client):
    body = profile(client, "dk")
    assert "Reservation (Art. 20(3), 2nd indent)" in body
    assert "L20.1.a Producing child sexual abuse material" in body
    assert "L20.1.e Possessing" in body
    assert "covers only part of the criteria" in body


def test_it_keeps_denmarks_production_cell_its_own_status_with_the_reservation_beside(client):
    denmark = Country.objects.get(iso2="DK")
    assert cell(denmark, "L20.1.a").status == Status.NOT_ASSESSED
    row = row_of(profile(client, "dk"), "L20.1.a")
    assert "? not assessed" in row and "⊘ reserved" not in row
    assert "A reservation applies" in row and "The ask: withdraw the reservation" in row


def test_it_shows_monacos_attempt_reservation(client):
    body = profile(client, "mc")
    assert "Reservation (Art. 24(3))" in body
    assert "A reservation applies" in row_of(body, "L24.2")


def test_it_refuses_reserved_for_a_criterion_reservable_only_in_part():
    denmark = Country.objects.get(iso2="DK")
    with pytest.raises(ValidationError, match="only part of it"):
        assess(denmark, "L20.1.a", Status.RESERVED)


def test_it_still_allows_reserved_for_a_criterion_reservable_in_full():
    denmark = Country.objects.get(iso2="DK")
    assert assess(denmark, "L20.1.f", Status.RESERVED).status == Status.RESERVED


def test_it_shows_a_partial_reservation_beside_an_assessed_gap_in_the_gap_report(client):
    denmark = Country.objects.get(iso2="DK")
    assess(denmark, "L20.1.e", Status.PARTIAL, note="Possession covered for most images.")
    body = text_of(client.get("/countries/dk/gaps/"))
    section = body[body.index("L20.1.e Art. 20: Possessing") :]
    assert "◐ partial" in section[:200]
    assert "A reservation applies" in section and "withdraw the reservation" in section
    assert "Reservations that apply" in body  # also listed for the not-assessed L20.1.a


def test_it_puts_the_reservation_in_the_word_briefing(client):
    document = Document(io.BytesIO(client.get("/countries/dk/gaps.docx").content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Reservations that apply" in text
    assert "A reservation applies: Denmark's reservation (Art. 20(3), 2nd indent)" in text
    assert "The ask: withdraw the reservation" in text


def test_it_shows_the_reservation_in_the_side_by_side_view(client):
    body = text_of(client.get("/compare/countries/?c=dk&c=se"))
    assert "Denmark's reservation (Art. 20(3), 2nd indent) covers only part" in body


# --- saying what is unknown --------------------------------------------------------------------


def test_it_never_says_none_for_a_party_without_a_reservation_on_record(client):
    body = profile(client, "be")
    assert "None found in the sources checked" in body
    for name, url in SOURCES_CHECKED:
        assert name in body and url in body
    assert "none recorded" not in body
    assert COE_DECLARATIONS_URL in client.get("/countries/be/").content.decode()


def test_it_reads_a_blank_date_as_not_yet_found(client):
    assert f"Signed {DATE_NOT_FOUND}" in profile(client, "be")


def test_it_shows_where_each_date_came_from_and_its_quality(client):
    body = profile(client, "fi")
    assert "Approval deposited 9 June 2011 https://www.finlex.fi" in body
    assert "official (Council of Europe page)" in body or "official" in body


def test_it_says_the_latest_change_is_to_the_record_beside_the_newest_as_of(client):
    body = text_of(client.get("/"))
    latest = body.index("Latest change to the record")
    newest = body.index("Newest “as of” date")
    assert "not when any law changed" in body[latest:newest]
    assert 0 < newest - latest < 400
    assert "2021" in body[newest : newest + 80]


# --- published ratings and laws on record ------------------------------------------------------


def test_it_shows_the_2006_rating_beside_the_us_cells(client):
    body = profile(client, "us")
    assert "ICMEC 1st ed. (2006): met all five" in body
    row = row_of(body, "ICMEC.4")
    assert "? not assessed" in row
    assert "ICMEC 1st ed. (2006): met (published, not this site's assessment)" in row


def test_it_lists_the_us_code_sections_as_laws_on_record(client):
    body = profile(client, "us")
    laws = body[body.index("Laws on record (not yet assessed against the criteria)") :]
    assert "18 U.S.C. ch. 110" in laws
    assert "§ 2256" in laws and "§ 2258A" in laws


def test_it_shows_the_2006_rating_in_the_gap_report_and_comparison(client):
    assert "ICMEC 1st ed. (2006): met all five" in text_of(client.get("/countries/us/gaps/"))
    compare = text_of(client.get("/compare/?framework=icmec"))
    assert "ICMEC 1st ed. (2006): met all five" in compare
    side = text_of(client.get("/compare/countries/?c=us&c=fr"))
    assert "ICMEC 1st ed. (2006): met (published" in side


def test_it_does_not_count_the_2006_ratings_in_the_apps_figures():
    countries = Country.objects.filter(iso2__in=["AU", "BE", "FR", "ZA", "US"])
    matrix = build_summary_matrix(countries, Framework.ICMEC)
    figures = {f.key: f for f in headline_figures(matrix.rows, [])}
    assert figures["all_five"].value == 0 and figures["all_five"].decided == 0
    assert all(row.met == 0 for row in matrix.rows)


def test_it_cites_the_study_on_the_laos_profile(client):
    body = profile(client, "la")
    for code in ("ICMEC.2", "ICMEC.4"):
        row = row_of(body, code)
        assert "✘ not met" in row and "2021" in row and "Rahamathulla" in row


def test_it_runs_the_profile_in_a_constant_number_of_queries(client):
    def queries(code):
        with CaptureQueriesContext(connection) as captured:
            client.get(f"/countries/{code}/")
        return len(captured.captured_queries)

    # Denmark: one reservation with two criteria; Andorra: a reservation and a declaration.
    # (A Party with no reservation at all skips the prefetch of criteria: one query fewer.)
    assert queries("dk") == queries("ad")
    # The United States and the Philippines: a published rating and several laws each.
    assert queries("us") == queries("ph")


# --- the research worklist ---------------------------------------------------------------------

WORKLIST = "/editorial/worklist/"


def test_it_keeps_the_worklist_from_the_public(client):
    response = client.get(WORKLIST)
    assert response.status_code == 302 and "login" in response["Location"]


def test_it_refuses_the_worklist_to_a_viewer(client):
    client.force_login(make_user(groups=["Viewers"]))
    assert client.get(WORKLIST).status_code == 403


def test_it_lists_unknown_cells_and_treaty_facts_for_an_editor(client, editor):
    client.force_login(editor)
    body = text_of(client.get(WORKLIST))
    unknown = Assessment.objects.filter(status=Status.NOT_ASSESSED).count()
    assert f"{unknown} of {Assessment.objects.count()}" in body
    assert "Belgium signature, deposit, entry into force listed as having some" in body
    belgium = TreatyParticipation.objects.get(country__iso2="BE")
    link = reverse("admin:legislation_treatyparticipation_change", args=[belgium.pk])
    assert link in client.get(WORKLIST).content.decode()


def test_it_puts_the_oldest_and_weakest_cells_first(client, editor):
    peru = Country.objects.get(iso2="PE")  # a 2018 seed, grade C
    assess(peru, "ICMEC.4", Status.MET, grade="D", source=make_source())  # as of 2024
    client.force_login(editor)
    rows = client.get(WORKLIST).context["recheck"]
    assert rows[0].as_of.year == 2018
    assert rows[-1] == cell(peru, "ICMEC.4")


def test_it_runs_the_worklist_in_a_constant_number_of_queries(client, editor):
    client.force_login(editor)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(WORKLIST).status_code == 200
        return len(captured.captured_queries)

    before = queries()
    # User-assigned ISO ranges (QM–QZ), so no real country's code is taken.
    extra = [make_country(iso2=f"Q{letter}", iso3=f"Q{letter}A") for letter in "MNOPQR"]
    create_missing_cells(LoadReport())  # their "not assessed" cells, as the loader makes them
    assess(extra[0], "ICMEC.1", Status.MET)
    assert Country.objects.filter(assessments__isnull=False).distinct().count() == 196 + 6
    assert queries() == before


def test_it_shows_icmecs_series_with_the_change_in_meaning_of_sufficient(client):
    body = text_of(client.get("/figures/"))
    series = body[body.index("What ICMEC published, edition by edition") :]
    assert "changed meaning at the 7th edition" in series
    assert "6th ed. 2010 196 45 8 89" in series
    assert "7th ed. 2012 196 69 not found 53" in series


def test_it_keeps_a_law_one_editor_changed_off_the_public_profile(client):
    # An uncited provision saves at once (nothing public cites it), so it waits for review
    # before the public list of laws on record shows it.
    editor = make_user(groups=["Editors"])
    provision = Provision.objects.get(instrument__country__iso2="KE")
    provision.reference = "s. 24 (renumbered by one editor)"
    provision._history_user = editor
    provision._change_reason = "Renumbered"
    provision.save()
    body = profile(client, "ke")
    assert "renumbered by one editor" not in body
    assert "Computer Misuse and Cybercrimes Act" not in body
