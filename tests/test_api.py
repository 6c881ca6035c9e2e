import json

import pytest
from django.urls import reverse
from django.utils import timezone

from legislation.models import Country
from legislation.releases import package
from legislation.site.filters import CompareFilter
from legislation.statuses import ReasonCode, Status

from .api_helpers import people, personal_names, publish
from .factories import assess, make_country

pytestmark = pytest.mark.usefixtures("reference_data")

CELLS = "/api/v1/cells/"


@pytest.fixture
def staff():
    return people()


def results(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_it_returns_the_five_icmec_cells_of_a_country_with_status_and_source(client):
    cells = results(client, CELLS, country="ba", framework="icmec")

    assert [c["criterion"] for c in cells] == [f"ICMEC.{n}" for n in range(1, 6)]
    definition = next(c for c in cells if c["criterion"] == "ICMEC.2")
    # WePROTECT GTA 2019: as of 2018 CSAM was not defined in Bosnia and Herzegovina's law.
    assert definition["status"] == Status.NOT_MET
    assert definition["as_of"] == "2018-12-31" and definition["as_of_precision"] == "year"
    assert "WePROTECT" in definition["source"]["title"]


def test_it_reads_unassessed_cells_as_not_assessed_never_not_met(client):
    cells = results(client, CELLS, country="ph", framework="icmec")

    assert {c["status"] for c in cells} == {Status.NOT_ASSESSED}
    assert all(c["source"] is None and c["evidence_grade"] is None for c in cells)


def test_it_gives_provisions_with_their_links(client, staff):
    publish(*staff, "PH", "ICMEC.4", provisions=2)

    cell = results(client, CELLS, country="ph", criterion="ICMEC.4")[0]

    assert [p["reference"] for p in cell["provisions"]] == ["Art. 1", "Art. 2"]
    assert cell["provisions"][0]["url"] == "https://law.example/0"
    assert cell["provisions"][0]["citation"] == "Penal Code of Philippines (2021), Art. 1"
    assert cell["reviewed_on"] == timezone.now().date().isoformat()


def test_it_chooses_countries_with_the_comparison_filterset(client):
    params = {"group": "coe", "region": "Europe"}
    expected = sorted(CompareFilter(params).qs.values_list("iso2", flat=True))

    response = client.get("/api/v1/countries/", {**params, "page_size": 1000})

    assert [c["iso2"] for c in response.json()["results"]] == expected


def test_it_filters_cells_by_min_met_like_the_pages(client, staff):
    for code in ("ICMEC.1", "ICMEC.2"):
        publish(*staff, "FR", code)

    cells = results(client, CELLS, min_met=2, page_size=1000)

    assert {c["country"] for c in cells} == {"FR"}


def test_it_filters_cells_by_status(client):
    cells = results(client, CELLS, status="not_met", page_size=1000)

    assert cells and {c["status"] for c in cells} == {Status.NOT_MET}


def test_it_refuses_an_unknown_country_with_a_message(client):
    response = client.get(CELLS, {"country": "zz"})

    assert response.status_code == 400
    assert response.json() == {"country": ["No country has the code zz."]}


def test_it_refuses_a_criterion_of_the_other_standard(client):
    response = client.get(CELLS, {"criterion": "L20.1.e", "framework": "icmec"})

    assert response.status_code == 400
    assert "not a criterion of icmec" in response.json()["criterion"][0]


def test_it_refuses_as_of_and_release_together(client):
    package.create_release("1.0.0", "First")

    response = client.get(CELLS, {"as_of": "2020-01-01", "release": "latest"})

    assert response.status_code == 400
    assert "either as_of or release" in json.dumps(response.json())


def test_it_refuses_a_future_as_of(client):
    response = client.get(CELLS, {"as_of": "2999-01-01"})

    assert response.status_code == 400
    assert response.json()["as_of"] == ["Choose a moment that is not in the future."]


def test_it_shows_a_cell_as_it_stood_at_as_of(client, staff):
    publish(*staff, "PH", "ICMEC.4", status=Status.PARTIAL)
    between = timezone.now()
    publish(*staff, "PH", "ICMEC.4", status=Status.MET)

    now = results(client, CELLS, country="ph", criterion="ICMEC.4")[0]
    then = results(client, CELLS, country="ph", criterion="ICMEC.4", as_of=between.isoformat())[0]
    before = results(client, CELLS, country="ph", criterion="ICMEC.4", as_of="2020-01-01")[0]

    assert (now["status"], then["status"], before["status"]) == ("met", "partial", "not_assessed")


def test_it_applies_status_filters_at_a_past_moment_as_the_filterset_does_now(client, staff):
    publish(*staff, "FR", "ICMEC.1")
    publish(*staff, "FR", "ICMEC.2")
    publish(*staff, "DE", "ICMEC.1")
    today = timezone.now().date().isoformat()
    params = {"min_met": 1, "where": "ICMEC.2:not_assessed", "page_size": 1000}

    now = results(client, "/api/v1/countries/", **params)
    at_today = results(client, "/api/v1/countries/", **params, as_of=today)

    assert [c["iso2"] for c in at_today] == [c["iso2"] for c in now] == ["DE"]


def test_it_answers_a_release_with_exactly_its_rows(client, staff):
    publish(*staff, "PH", "ICMEC.4", status=Status.PARTIAL, provisions=1)
    release = package.create_release("1.0.0", "First")
    publish(*staff, "PH", "ICMEC.4", status=Status.MET)

    live = results(client, CELLS, country="ph", criterion="ICMEC.4")[0]
    cut = results(client, CELLS, country="ph", criterion="ICMEC.4", release="1.0.0")[0]

    assert (live["status"], cut["status"]) == ("met", "partial")
    assert cut["provisions"][0]["reference"] == "Art. 1"
    assert client.get(CELLS, {"release": "1.0.0"})["X-Data-Release"] == release.version


def test_it_answers_304_while_the_etag_holds(client):
    first = client.get(CELLS, {"country": "ba"})

    again = client.get(CELLS, {"country": "ba"}, HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 304
    assert again.content == b""


def test_it_changes_the_etag_when_a_public_cell_changes(client):
    before = client.get(CELLS, {"country": "ph"})["ETag"]
    assess(Country.objects.get(iso2="PH"), "ICMEC.1", Status.MET)

    response = client.get(CELLS, {"country": "ph"}, HTTP_IF_NONE_MATCH=before)

    assert response.status_code == 200
    assert response["ETag"] != before


def test_it_throttles_anonymous_clients_with_a_clear_429(client, settings):
    settings.API_ANON_RATE = "2/min"
    from django.core.cache import cache

    cache.clear()
    for _ in range(2):
        assert client.get("/api/v1/frameworks/").status_code == 200

    response = client.get("/api/v1/frameworks/")

    assert response.status_code == 429
    assert "Too many requests: anonymous clients may make 2/min" in response.json()["detail"]
    assert int(response["Retry-After"]) > 0
    cache.clear()


def test_it_pages_in_a_stable_order(client):
    everything = results(client, CELLS, framework="lanzarote", page_size=1000)
    pages = [
        results(client, CELLS, framework="lanzarote", page_size=250, page=n) for n in (1, 2, 3, 4)
    ]

    assert [c for page in pages for c in page] == everything
    keys = [(c["country"], c["criterion"]) for c in everything]
    assert len(set(keys)) == len(keys)


def test_it_answers_an_out_of_range_page_with_a_404_message(client):
    response = client.get(CELLS, {"page": 999})

    assert response.status_code == 404
    assert response.json()["detail"]


def test_it_gives_criteria_with_their_article_tree(client):
    criteria = {c["code"]: c for c in results(client, "/api/v1/criteria/", page_size=100)}

    assert "L20.1.e" in criteria["Art.20"]["children"]
    assert criteria["L20.1.e"]["parent"] == "Art.20"


def test_it_lists_treaty_participation_with_reservations(client):
    rows = results(client, "/api/v1/treaty-participation/", country="tn")

    assert [(r["treaty"], r["action"]) for r in rows] == [("lanzarote", "accession")]
    assert rows[0]["reservations"] == []


def test_it_lists_changes_with_kind_and_reason_but_no_names(client, staff):
    publish(*staff, "PH", "ICMEC.4", status=Status.PARTIAL)
    publish(
        *staff,
        "PH",
        "ICMEC.4",
        status=Status.MET,
        reason_code=ReasonCode.LAW_AMENDED,
        public_reason="Amended by Republic Act 11930.",
    )

    changes = results(client, "/api/v1/changes/", country="ph")

    assert [c["kind"] for c in changes] == ["correction", "new_assessment"]
    assert changes[0]["changes"][0] == {"field": "status", "before": "partial", "after": "met"}
    assert [c["reason_code"] for c in changes] == ["law_amended", "new_evidence"]
    assert changes[0]["public_reason"] == "Amended by Republic Act 11930."


def test_it_lists_the_same_changes_as_the_changes_page(client, staff):
    publish(*staff, "PH", "ICMEC.4", status=Status.PARTIAL, reason_code=ReasonCode.NEW_EVIDENCE)
    publish(*staff, "PH", "ICMEC.2", reason_code=ReasonCode.ERROR_CORRECTED)
    today = timezone.now().date().isoformat()

    api = results(client, "/api/v1/changes/", country="ph")
    page = client.get("/changes/", {"from": today, "to": today, "country": "ph", "format": "json"})

    rows = json.loads(page.content)["rows"]
    assert [(c["criterion"], c["reason_code"]) for c in api] == [
        (r["criterion"], r["reason_code"]) for r in rows
    ]


def test_it_gives_a_cell_the_reason_code_and_public_reason_of_its_last_change(client, staff):
    publish(
        *staff,
        "PH",
        "ICMEC.4",
        reason_code=ReasonCode.ERROR_CORRECTED,
        public_reason="The earlier reading missed section 4.",
    )

    cell = next(c for c in results(client, CELLS, country="ph") if c["criterion"] == "ICMEC.4")

    assert cell["reason_code"] == "error_corrected"
    assert cell["public_reason"] == "The earlier reading missed section 4."


def test_it_gives_a_past_cell_the_reason_of_its_change_then(client, staff):
    publish(*staff, "PH", "ICMEC.4", status=Status.PARTIAL, reason_code=ReasonCode.NEW_EVIDENCE)
    between = timezone.now()
    publish(*staff, "PH", "ICMEC.4", reason_code=ReasonCode.LAW_AMENDED)
    at = between.isoformat().replace("+00:00", "Z")

    cells = results(client, CELLS, country="ph", as_of=at)

    cell = next(c for c in cells if c["criterion"] == "ICMEC.4")
    assert (cell["status"], cell["reason_code"]) == ("partial", "new_evidence")


ENDPOINTS = [
    "/api/v1/frameworks/",
    "/api/v1/criteria/",
    "/api/v1/countries/",
    "/api/v1/cells/?framework=icmec&page_size=1000",
    "/api/v1/cells/?framework=lanzarote&page_size=1000",
    "/api/v1/treaty-participation/",
    "/api/v1/published-figures/",
    "/api/v1/changes/?page_size=1000",
    "/api/v1/releases/",
]


def test_it_names_no_person_in_any_answer_or_release(client, staff):
    publish(*staff, "PH", "ICMEC.4", provisions=1, note="Checked against the 2022 text")
    release = package.create_release("1.0.0", "First")
    texts = [client.get(url).content.decode() for url in ENDPOINTS]
    texts += [
        client.get(url + ("&" if "?" in url else "?") + "release=1.0.0").content.decode()
        for url in ENDPOINTS
    ]
    texts += [content.decode() for content in release.file_bytes().values()]

    found = [name for name in personal_names() for text in texts if name.lower() in text.lower()]

    assert found == []


SPARE_CODES = [f"Q{c}" for c in "MNOPQRSTUVWXYZ"] + [f"X{c}" for c in "ABCDEFGHIJLMNOPQ"]


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/cells/?framework=lanzarote&page_size=1000",
        "/api/v1/cells/?framework=lanzarote&min_met=0&as_of=2030-01-01",
        "/api/v1/countries/?group=global-south",
        "/api/v1/changes/",
        "/api/v1/treaty-participation/",
    ],
)
def test_it_runs_the_same_number_of_queries_for_more_countries(client, url, staff):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from legislation.reference_data import LoadReport, create_missing_cells

    url = url.replace("2030-01-01", timezone.now().date().isoformat())
    counts = []
    for extra in (0, 30):
        for n in range(extra):
            # User-assigned ISO ranges (QM–QZ, XA–XQ without XK), never a real country.
            country = make_country(iso2=SPARE_CODES[n], iso3=f"Q{n:02d}", name=f"Queryland {n}")
        create_missing_cells(LoadReport())
        # A published cell with provisions at both sizes, so both read provisions and sources.
        publish(*staff, country.iso2 if extra else "FR", "ICMEC.1", provisions=2)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200, response.content
        counts.append(len(captured))

    assert counts[0] == counts[1]
    assert counts[0] <= 14


def test_it_serves_the_docs_from_its_own_static_files(client):
    page = client.get("/api/v1/docs/").content.decode()

    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower() and "unpkg" not in page.lower()
    assert client.get(reverse("api:schema")).status_code == 200


def test_it_reads_past_cells_at_a_release_moment_as_the_release_holds_them(client, staff):
    publish(*staff, "PH", "ICMEC.4", provisions=1)
    release = package.create_release("1.0.0", "First")
    publish(*staff, "PH", "ICMEC.3", status=Status.NOT_MET)
    moment = release.cut_at.isoformat()

    at_cut = results(client, CELLS, as_of=moment, page_size=1000)
    in_release = results(client, CELLS, release="1.0.0", page_size=1000)

    assert at_cut == in_release


def test_it_leaves_the_comparison_page_working_after_the_schema_is_generated(client):
    # The schema generator builds form fields from the FilterSet's filters; the API's copies
    # keep it away from the comparison page's own (and from the next API request's).
    assert client.get("/api/v1/schema/").status_code == 200

    assert client.get("/compare/", {"map": "met", "where": "ICMEC.2:not_met"}).status_code == 200
    assert client.get(CELLS, {"map": "met", "country": "ba"}).status_code == 200
