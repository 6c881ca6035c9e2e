"""Input that cannot 500: NUL bytes, absurd page numbers and out-of-range dates are a 400
with a message everywhere (PostgreSQL refuses NUL outright), and a fuzz over every public
page's parameters finds no 5xx and no unescaped reflection."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from legislation.site.public_cache import EVERY_PAGE, TABLE, parameters

from .factories import make_user

pytestmark = pytest.mark.usefixtures("reference_data")

PUBLIC_PAGES = {
    "/": "home",
    "/countries/": "countries",
    "/countries/fr/": "country",
    "/countries/sg/gaps/": "country-gaps",
    "/criteria/": "criteria",
    "/criteria/ICMEC.2/": "criterion",
    "/compare/": "compare",
    "/figures/": "figures",
    "/reports/gaps/": "report-gaps",
    "/compare/countries/": "compare-countries",
    "/changes/": "changes",
    "/figures/over-time/": "charts",
}


@pytest.mark.parametrize(
    "address",
    [
        "/criteria/%00/",
        "/countries/%00/",
        "/countries/fr%00/gaps/",
        "/compare/?q=%00",
        "/compare/?where=%00",
        "/countries/?q=a%00b",
        "/reports/gaps/?country=f%00r",
        "/compare/countries/?c=fr&c=%00",
    ],
)
def test_it_refuses_a_nul_byte_in_a_public_address_with_400(client, address):
    response = client.get(address)
    assert response.status_code == 400
    assert "NUL character" in response.text


@pytest.mark.parametrize(
    "address",
    [
        "/editorial/history/countries/fr/?on=%00",
        "/editorial/history/criteria/ICMEC.1%00/",
        "/admin/legislation/assessment/?q=%00",
        "/admin/legislation/changeproposal/?state=%00",
        "/admin/legislation/changebatch/?q=x%00",
    ],
)
def test_it_refuses_a_nul_byte_in_staff_pages_and_filters_with_400(client, address):
    client.force_login(make_user("staffer", is_superuser=True))
    response = client.get(address)
    assert response.status_code == 400
    assert "NUL character" in response.text


@pytest.mark.parametrize(
    "query",
    [
        "per_page=-1",
        "per_page=0",
        "per_page=100000000000",
        "page=-3",
        "page=0",
        "page=abc",
        "per_page=1e3",
        "page=99999999999999999999",
    ],
)
def test_it_refuses_an_absurd_page_or_page_size_with_400(client, query):
    response = client.get("/compare/?" + query)
    assert response.status_code == 400
    assert "must be a whole number from 1 to" in response.text


def test_it_accepts_a_sane_page_size(client):
    assert client.get("/compare/?per_page=50&page=1").status_code == 200


@pytest.mark.parametrize("value", ["9999-12-31", "9999-12", "0001-01-01", "0099"])
def test_it_refuses_an_out_of_range_date_with_400(client, value):
    client.force_login(make_user("staffer", is_superuser=True))
    for address in ("/editorial/history/countries/fr/", "/compare/"):
        response = client.get(address, {"on" if "editorial" in address else "as_of": value})
        assert response.status_code == 400, address
        assert "must be a date in the years 1000 to 9000" in response.text


def test_a_refusal_never_repeats_the_input(client):
    response = client.get("/compare/?<b>x</b>=%00<script>")
    assert response.status_code == 400
    assert "<script>" not in response.text and "<b>" not in response.text


MARK = "<q7x>"
texts = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "-1",
            "0",
            "99999999999",
            "fr",
            "ICMEC.1",
            "2024-02-30",
            "9999-12",
            "\x00",
            MARK,
            f'"{MARK}',
            f"'>{MARK}",
            "%00",
            "lanzarote",
            "pdf",
        ]
    ),
    st.text(max_size=10).map(lambda t: t + MARK),
)


def names_for(page):
    known = parameters().get(page, set()) | EVERY_PAGE | TABLE
    return st.one_of(st.sampled_from(sorted(known)), st.text(max_size=12))


@st.composite
def requests(draw):
    path = draw(st.sampled_from(sorted(PUBLIC_PAGES)))
    pairs = draw(st.lists(st.tuples(names_for(PUBLIC_PAGES[path]), texts), max_size=4))
    return path, pairs


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(request=requests())
def test_no_public_parameter_makes_a_5xx_or_is_reflected_unescaped(client, request):
    path, pairs = request
    query = {}
    for name, value in pairs:
        if name == "export":
            value = "csv"  # documents are tested on their own; this fuzz is about pages
        query.setdefault(name, []).append(value)
    response = client.get(path, query, follow=False)
    assert response.status_code < 500, (path, query)
    if response.get("Content-Type", "").startswith("text/html"):
        assert MARK not in response.content.decode(), (path, query)


def test_a_form_field_called_page_is_not_a_page_number(client):
    from legislation.models import Source

    client.force_login(make_user("staffer", is_superuser=True))
    source = Source.objects.create(title="A report", page="")
    response = client.post(
        f"/admin/legislation/source/{source.pk}/change/",
        {
            "title": "A report",
            "page": "chapter 7",
            "publisher": "",
            "url": "",
            "note": "",
            "change_reason": "add the chapter",
            "seen_history": source.history.latest().history_id,
        },
    )
    assert response.status_code == 302
    source.refresh_from_db()
    assert source.page == "chapter 7"


def test_a_nul_byte_in_a_posted_field_is_refused(client):
    client.force_login(make_user("staffer", is_superuser=True))
    response = client.post(
        "/admin/legislation/source/add/",
        "title=a%00b",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    # A multipart form is left to its fields, which refuse NUL with their own message.
    response = client.post("/admin/legislation/source/add/", {"title": "a\x00b"})
    assert "Null characters are not allowed" in response.text


def test_it_refuses_a_bad_api_page_in_the_apis_own_json(client):
    response = client.get("/api/v1/cells/", {"page": "0"})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "whole number" in response.json()["detail"]
