"""Two to five countries side by side at /compare/countries/."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from legislation.models import Criterion
from legislation.statuses import Status

from .factories import assess
from .scenarios import country, meets, philippines_with_gaps

pytestmark = pytest.mark.usefixtures("reference_data")

URL = "/compare/countries/"


def test_it_shows_every_criterion_as_a_row_with_a_cell_per_country(client):
    response = client.get(URL, {"c": ["ph", "gb"]})
    assert response.status_code == 200
    rows = response.context["rows"]
    leaves = Criterion.objects.leaves().count()
    articles = Criterion.objects.articles().count()
    assert len(rows) == leaves + articles == 33
    assert all(len(r.cells) == 2 for r in rows)
    assert [c.name for c in response.context["countries"]] == ["Philippines", "United Kingdom"]


def test_it_keeps_the_order_the_countries_were_given(client):
    response = client.get(URL, {"c": ["gb", "ph", "th"]})
    assert [c.iso2 for c in response.context["countries"]] == ["GB", "PH", "TH"]


def test_it_shows_status_as_of_and_cited_provision_in_each_cell(client):
    philippines_with_gaps()
    body = client.get(URL, {"c": ["ph", "th"]}).content.decode()
    assert "s. 1(17) Criminal Code" in body
    assert "as of 1 March 2024" in body
    assert "Anti-OSAEC and Anti-CSAEM Act</a>" not in body  # no link recorded: plain text
    assert "Anti-OSAEC and Anti-CSAEM Act (2022), Sec. 3(c)" in body


def test_it_keeps_only_the_rows_where_statuses_differ_with_diff(client):
    philippines_with_gaps()
    response = client.get(URL, {"c": ["ph", "th"], "diff": "1"})
    codes = [r.criterion.code for r in response.context["rows"]]
    # PH: ICMEC.1 met, .2 partial, .5 not met, L23 not met, L20.1.f reserved; TH: ICMEC.2 met.
    # Art. 20 reads "not assessed" for both: one known reservation says nothing of the rest.
    assert codes == ["ICMEC.1", "ICMEC.2", "ICMEC.5", "L20.1.f", "Art.23", "L23"]


def test_it_keeps_the_countries_in_the_url_of_the_toggle_link(client):
    body = client.get(URL, {"c": ["ph", "th"]}).content.decode()
    assert 'href="?c=ph&amp;c=th&amp;diff=1"' in body


def test_it_says_so_when_countries_never_differ(client):
    response = client.get(URL, {"c": ["tv", "nr"], "diff": "1"})
    assert response.context["rows"] == []
    assert "the same status on every criterion" in response.content.decode()


@pytest.mark.parametrize(
    "codes,message",
    [
        (["ph", "gb", "us", "fr", "de", "th"], "Choose at most 5 countries (6 were given)"),
        (["ph", "PH"], "Each country may be chosen once; repeated: ph"),
        (["ph", "zz"], "No country has the code zz"),
        (["ph", "g1"], "not two-letter ISO country codes: g1"),
        (["ph", "gbr"], "not two-letter ISO country codes: gbr"),
        ([], "Choose two to five countries to compare"),
    ],
)
def test_it_answers_bad_lists_with_a_clear_message_and_a_400(client, codes, message):
    response = client.get(URL, {"c": codes, "diff": "1"})
    assert response.status_code == 400
    assert message in response.content.decode()


def test_it_prefills_the_form_with_one_country_and_asks_for_another(client):
    # "Compare with…" on a country profile links here with one country.
    response = client.get(URL, {"c": "ph"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Choose at least 2 countries (1 given)" in body
    assert '<option value="ph" selected>Philippines</option>' in body


def test_it_shows_the_form_without_parameters(client):
    response = client.get(URL)
    assert response.status_code == 200 and "rows" not in response.context


def test_it_cuts_and_escapes_a_very_long_value(client):
    response = client.get(URL, {"c": ["<img src=x onerror=alert(1)>" * 50, "gb"]})
    assert response.status_code == 400
    assert b"<img" not in response.content


def test_it_exports_status_as_of_and_provisions_per_country_to_csv(client):
    philippines_with_gaps()
    response = client.get(URL, {"c": ["ph", "th"], "export": "csv", "diff": "1"})
    assert "side-by-side-ph-th-" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r["criterion"] for r in rows][:3] == ["ICMEC.1", "ICMEC.2", "ICMEC.5"]
    definition = rows[1]
    assert definition["Philippines: status"] == "partial"
    assert definition["Thailand: status"] == "met"
    assert (
        definition["Thailand: provisions"]
        == "Thailand Criminal Code (2015), s. 1(17) Criminal Code"
    )


def test_it_neutralises_formulas_in_provision_references_in_the_csv(client):
    meets("TH", "ICMEC.3", reference='=HYPERLINK("http://evil.example")')
    meets("PH", "ICMEC.3", reference="@SUM(1)")
    response = client.get(URL, {"c": ["ph", "th"], "export": "csv"})
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    cells = [cell for row in rows for cell in row]
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@"))]


def test_it_runs_the_same_number_of_queries_for_2_and_5_countries(client):
    philippines_with_gaps()
    meets("PH", "L18.1.a")  # provisions cited in both frameworks in the small case too
    assess(country("US"), "ICMEC.4", Status.MET)
    with CaptureQueriesContext(connection) as few:
        client.get(URL, {"c": ["ph", "th"]})
    with CaptureQueriesContext(connection) as many:
        client.get(URL, {"c": ["ph", "th", "gb", "jp", "us"]})
    assert len(many.captured_queries) == len(few.captured_queries)
