"""The country list (/countries/) and the country profile (/countries/<iso2>/)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from legislation.models import Country
from legislation.statuses import Status

from .factories import assess, make_country, make_instrument, make_provision, make_source
from .scenarios import HOSTILE_NOTE, meets, philippines_with_gaps

pytestmark = pytest.mark.usefixtures("reference_data")


def test_it_lists_every_country_alphabetically(client):
    response = client.get("/countries/")
    assert response.status_code == 200
    names = [row["country"].name for row in response.context["rows"]]
    assert len(names) == 196 and names == sorted(names)


def test_it_finds_a_country_by_part_of_its_name(client):
    response = client.get("/countries/", {"q": "philipp"})
    assert [row["country"].iso2 for row in response.context["rows"]] == ["PH"]


def test_it_finds_a_country_by_its_alpha_3_code(client):
    response = client.get("/countries/", {"q": "phl"})
    assert [row["country"].iso2 for row in response.context["rows"]] == ["PH"]


def test_it_filters_by_region_and_group(client):
    response = client.get("/countries/", {"region": "Europe", "group": "eu"})
    rows = response.context["rows"]
    # Cyprus is an EU member in UN M49's Western Asia, so 26 of the 27 are in Europe.
    assert len(rows) == 26 and "CY" not in [r["country"].iso2 for r in rows]
    assert "26 of 196 countries match" in response.content.decode()


def test_it_answers_an_unknown_group_with_a_form_error_not_a_500(client):
    response = client.get("/countries/", {"group": "<b>nope</b>"})
    assert response.status_code == 400
    assert b"Select a valid choice" in response.content
    assert b"<b>nope</b>" not in response.content


def test_it_shows_icmec_counts_with_coverage_in_the_list(client):
    philippines_with_gaps()
    body = client.get("/countries/", {"q": "philippines"}).content.decode()
    assert "1 of 5 <small>(assessed: 3 of 5)</small>" in body


def test_it_lists_fewer_than_20_and_196_countries_with_the_same_number_of_queries(client):
    with CaptureQueriesContext(connection) as few:
        response = client.get("/countries/", {"region": "Oceania"})
    assert len(response.context["rows"]) < 20
    with CaptureQueriesContext(connection) as many:
        client.get("/countries/")
    assert len(many.captured_queries) == len(few.captured_queries)


# --- profile ----------------------------------------------------------------------------------


def test_it_shows_groups_and_lanzarote_participation_on_the_profile(client):
    body = client.get("/countries/fr/").content.decode()
    assert "Council of Europe members" in body and "EU members" in body
    assert "Party (ratified)" in body


def test_it_says_not_a_party_on_a_non_party_profile(client):
    body = client.get("/countries/ph/").content.decode()
    assert "not a Party" in body
    assert "Global South" in body


def test_it_flags_secondary_treaty_dates_on_the_profile_with_the_treaty_office_chart(client):
    body = client.get("/countries/de/").content.decode()  # Germany: secondary dates only
    assert "date not yet found" in body
    assert "from secondary sources (encyclopaedia mirrors) only" in body
    assert "treatynum=201" in body


def test_it_shows_a_seed_country_not_met_definition_with_its_source(client):
    body = client.get("/countries/sg/").content.decode()
    row = body[body.index("ICMEC.2</a>") :]
    row = row[: row.index("</tr>")]
    assert "not met" in row
    assert "Global Threat Assessment 2019" in row
    assert "2018" in row


def test_it_lists_cited_provisions_with_instrument_year_and_link(client):
    ph = Country.objects.get(iso2="PH")
    act = make_instrument(
        ph, title="Cybercrime Prevention Act", year=2012, url="https://example.org/ra10175"
    )
    cell = assess(ph, "ICMEC.3", Status.MET)
    cell.provisions.add(make_provision(act, reference="Sec. 4(c)(2)"))
    body = client.get("/countries/ph/").content.decode()
    assert (
        '<a href="https://example.org/ra10175">Cybercrime Prevention Act</a> (2012), Sec. 4(c)(2)'
        in body
    )


def test_it_escapes_user_text_on_the_profile(client):
    philippines_with_gaps()
    body = client.get("/countries/ph/").content.decode()
    assert "<script>" not in body
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body
    assert "=HYPERLINK(" in body


def test_it_shows_a_public_change_log_on_the_profile(client):
    fr = Country.objects.get(iso2="FR")
    assess(fr, "L23", Status.PARTIAL, public_reason="The Penal Code was read in full")
    response = client.get("/countries/fr/")
    (change,) = response.context["changes"]
    assert change.new_status == Status.PARTIAL
    assert "The Penal Code was read in full" in response.content.decode()


def test_it_keeps_internal_reasons_off_the_public_change_log(client):
    fr = Country.objects.get(iso2="FR")
    assess(fr, "L23", Status.PARTIAL, reason="Asked Marie at the ministry")
    assert "Asked Marie" not in client.get("/countries/fr/").content.decode()


def test_it_redirects_an_upper_case_code_to_the_lower_case_address(client):
    response = client.get("/countries/PH/")
    assert response.status_code == 301 and response["Location"] == "/countries/ph/"


def test_it_answers_an_unknown_code_with_a_404_page_and_a_country_search(client):
    response = client.get("/countries/zz/")
    assert response.status_code == 404
    body = response.content.decode()
    assert 'action="/countries/"' in body and 'name="q"' in body
    assert "No country has the code" in body


def test_it_suggests_the_country_a_three_letter_code_means(client):
    response = client.get("/countries/phl/")
    assert response.status_code == 404
    assert [c.iso2 for c in response.context["suggestions"]] == ["PH"]


def test_it_suggests_the_united_kingdom_for_uk(client):
    response = client.get("/countries/uk/")
    assert response.status_code == 404
    assert "GB" in [c.iso2 for c in response.context["suggestions"]]


def test_it_escapes_a_hostile_code_on_the_404_page(client):
    response = client.get("/countries/%3Cscript%3E/")
    assert response.status_code == 404
    assert b"<script>" not in response.content


def test_it_uses_the_site_404_page_with_a_country_search_for_any_404(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert b'name="q"' in response.content and b"Page not found" in response.content


def test_it_builds_the_profile_in_a_fixed_number_of_queries_however_long_its_history(client):
    ph = philippines_with_gaps()
    # Provisions cited in both frameworks from the start: a prefetch with nothing to fetch
    # skips its second query, which would make the small case look cheaper.
    cell = assess(ph, "L24.1", Status.MET)
    cell.provisions.add(make_provision(make_instrument(ph)))
    with CaptureQueriesContext(connection) as few:
        client.get("/countries/ph/")
    for code in ["ICMEC.3", "ICMEC.4", "L18.1.a", "L19.1.a", "L20.1.a", "L21.1.a"]:
        for status in [Status.PARTIAL, Status.MET]:
            cell = assess(ph, code, status, source=make_source())
            cell.provisions.add(make_provision(make_instrument(ph)))
    with CaptureQueriesContext(connection) as many:
        client.get("/countries/ph/")
    assert len(many.captured_queries) == len(few.captured_queries)


def test_it_shows_a_profile_for_a_country_without_groups(client):
    country = make_country()
    assert client.get(f"/countries/{country.code}/").status_code == 200


def test_it_shows_a_peer_met_cell_with_its_provision_on_the_peer_profile(client):
    # A peer that meets a criterion shows it as met on its own profile, with its provision.
    meets("TH", "ICMEC.2", reference="s. 1(17)")
    body = client.get("/countries/th/").content.decode()
    assert "s. 1(17)" in body
    assert HOSTILE_NOTE not in body


@pytest.mark.parametrize(
    "typed, first",
    [
        ("uk", "GB"),
        ("UK", "GB"),
        ("britain", "GB"),
        ("Great Britain", "GB"),
        ("burma", "MM"),
        ("turkey", "TR"),
        ("ivory coast", "CI"),
        ("czechia", "CZ"),
        ("swaziland", "SZ"),
        ("usa", "US"),
        ("ph", "PH"),
        ("phl", "PH"),
    ],
)
def test_it_finds_a_country_by_its_common_or_former_name_first(client, typed, first):
    response = client.get("/countries/", {"q": typed})
    assert response.context["rows"][0]["country"].iso2 == first


def test_it_ranks_the_exact_code_before_names_containing_it(client):
    rows = client.get("/countries/", {"q": "uk"}).context["rows"]
    assert [r["country"].iso2 for r in rows][:2] == ["GB", "UA"]


def test_it_ranks_the_common_name_match_first_in_the_comparison_table(client):
    response = client.get("/compare/", {"q": "uk"})
    body = response.content.decode()
    table = body[body.index('id="comparison"') :]
    assert table.index("United Kingdom") < table.index("Ukraine")
