"""On a page shown `?as_of=` or `?release=`, every link to another dated page keeps the date,
and every search form on it submits the date along; /countries/ and /criteria/ are dated pages
like the others."""

import datetime
from html.parser import HTMLParser
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import Resolver404, resolve

from legislation.models import Country, Framework, TreatyParticipation
from legislation.releases import package
from legislation.site.published import DATED_PAGES

from .factories import make_country
from .test_published_on import (
    TOMORROW,
    YESTERDAY,
    approved_today,  # noqa: F401 (a fixture)
    grow,
)

pytestmark = pytest.mark.usefixtures("reference_data")

DATED_HTML_PAGES = [
    "/",
    "/compare/?framework=icmec",
    "/compare/?framework=lanzarote&detail=1&map=L18.1.a",
    "/countries/",
    "/countries/?q=phil",
    "/countries/ph/",
    "/countries/ph/gaps/",
    "/countries/fr/",
    "/reports/gaps/?region=Asia&framework=icmec",
    "/reports/gaps/?region=Europe&framework=lanzarote",
    "/compare/countries/?c=ph&c=fr",
    "/criteria/",
    "/criteria/ICMEC.5/",
    "/criteria/Art.20/",
    "/criteria/L18.1.a/",
    "/figures/",
]


class Links(HTMLParser):
    """Every href, and every GET form with its action and hidden fields; the banner's "see
    today's version" is the one link meant to leave the past."""

    def __init__(self):
        super().__init__()
        self.hrefs, self.forms, self.in_banner = [], [], False

    def handle_endtag(self, tag):
        if tag == "p":
            self.in_banner = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "p" and "published-banner" in (attrs.get("class") or ""):
            self.in_banner = True
        elif tag == "a" and attrs.get("href") and not self.in_banner:
            self.hrefs.append(attrs["href"])
        elif tag == "form" and attrs.get("method", "get").lower() == "get":
            self.forms.append({"action": attrs.get("action", ""), "hidden": {}})
        elif tag == "input" and attrs.get("type") == "hidden" and self.forms:
            self.forms[-1]["hidden"][attrs.get("name")] = attrs.get("value")


def dated_page(url):
    """True when `url` is a link inside the site to a page that can be shown on a date."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return False
    try:
        return resolve(parts.path).url_name in DATED_PAGES
    except Resolver404:
        return False


def with_moment(path, name, value):
    return f"{path}{'&' if '?' in path else '?'}{name}={value}"


def check_links(client, path, name, value):
    response = client.get(with_moment(path, name, value))
    assert response.status_code == 200, path
    parser = Links()
    parser.feed(response.content.decode())
    dated = [href for href in parser.hrefs if dated_page(href)]
    assert dated, f"{path} links to no dated page"
    dropped = [h for h in dated if parse_qs(urlsplit(h).query).get(name) != [value]]
    assert not dropped, f"{path} drops the {name}: {dropped[:5]}"
    for form in parser.forms:
        if dated_page(form["action"]):
            assert form["hidden"].get(name) == value, f"{path}: form {form['action']}"
    return dated


@pytest.mark.parametrize("path", DATED_HTML_PAGES)
@pytest.mark.usefixtures("approved_today")
def test_no_link_on_a_past_page_drops_the_date(client, path):
    check_links(client, path, "as_of", YESTERDAY)


@pytest.mark.usefixtures("approved_today")
def test_the_links_checked_include_country_and_criterion_links(client):
    compare = check_links(client, "/compare/?framework=icmec", "as_of", YESTERDAY)
    assert f"/countries/ph/?as_of={YESTERDAY}" in compare  # a table row (and the map)
    assert f"/criteria/ICMEC.5/?as_of={YESTERDAY}" in compare  # a heading's criterion
    profile = check_links(client, "/countries/ph/", "as_of", YESTERDAY)
    assert f"/criteria/ICMEC.5/?as_of={YESTERDAY}" in profile
    assert f"/compare/countries/?c=ph&as_of={YESTERDAY}" in profile
    criterion = check_links(client, "/criteria/L18.1.a/", "as_of", YESTERDAY)
    assert f"/compare/?framework=lanzarote&detail=1&map=L18.1.a&as_of={YESTERDAY}" in criterion
    assert f"/criteria/?as_of={YESTERDAY}" in criterion


@pytest.mark.parametrize("path", ["/compare/?framework=icmec", "/countries/ph/", "/criteria/"])
def test_no_link_on_a_release_page_drops_the_release(client, path):
    package.create_release("1.0.0", "For the links")
    check_links(client, path, "release", "1.0.0")


def test_todays_pages_link_without_a_date(client):
    body = client.get("/compare/?framework=icmec").content.decode()
    assert 'href="/countries/ph/"' in body
    assert "as_of=" not in body


def test_a_redirect_to_the_one_address_keeps_the_date(client):
    assert client.get(f"/criteria/icmec.5/?as_of={YESTERDAY}")["Location"] == (
        f"/criteria/ICMEC.5/?as_of={YESTERDAY}"
    )
    assert client.get(f"/countries/PH/?as_of={YESTERDAY}")["Location"] == (
        f"/countries/ph/?as_of={YESTERDAY}"
    )


# /countries/ and /criteria/ as published on a date


@pytest.mark.parametrize("path", ["/countries/", "/criteria/"])
@pytest.mark.parametrize("bad", ["2026-13-01", "yesterday", "3000-01-01", "2024-01-01\x00"])
def test_the_lists_refuse_a_bad_or_future_date_with_a_400(client, path, bad):
    response = client.get(path, {"as_of": bad})
    assert response.status_code == 400


@pytest.mark.parametrize("path", ["/countries/", "/criteria/"])
def test_the_lists_show_the_banner(client, path):
    body = client.get(f"{path}?as_of={YESTERDAY}").content.decode()
    day = datetime.date.fromisoformat(YESTERDAY)
    assert f"As published on {day.day} {day:%B %Y}" in body


@pytest.mark.usefixtures("approved_today")
def test_the_country_list_counts_as_published_the_day_before(client):
    def philippines(query):
        rows = client.get("/countries/", {"q": "philippines", **query}).context["rows"]
        return next(r for r in rows if r["country"].iso2 == "PH")

    today, past = philippines({}), philippines({"as_of": YESTERDAY})
    assert today["icmec_assessed"] == past["icmec_assessed"] + 1


@pytest.mark.usefixtures("approved_today")
def test_the_criteria_index_counts_as_published_the_day_before(client):
    def icmec5(query):
        frameworks = client.get("/criteria/", query).context["frameworks"]
        rows = next(rows for framework, rows, *_ in frameworks if framework.code == "icmec")
        return next(c for c in rows if c.code == "ICMEC.5")

    assert icmec5({}).assessed_count == icmec5({"as_of": YESTERDAY}).assessed_count + 1


def test_a_party_since_today_is_not_a_party_on_the_list_the_day_before(client):
    with mock.patch("django.utils.timezone.now", lambda: TOMORROW):
        country = make_country(name="Newparty")
        TreatyParticipation.objects.create(
            country=country,
            treaty=Framework.objects.get(code=Framework.LANZAROTE),
            action=TreatyParticipation.Action.RATIFICATION,
        )

    def party(query):
        rows = client.get("/countries/", {"q": "Newparty", **query}).context["rows"]
        return next(r for r in rows if r["country"] == country)["lanzarote_party"]

    assert party({}) is True
    assert party({"as_of": YESTERDAY}) is False


def queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("query", ["", f"?as_of={datetime.date.today().isoformat()}"])
def test_the_lists_run_a_constant_number_of_queries(client, query):
    pages = [f"/countries/{query}", f"/criteria/{query}"]
    grow(1)
    few = [queries(client, page) for page in pages]
    grow(4)
    assert Country.objects.count() > 5
    assert [queries(client, page) for page in pages] == few
