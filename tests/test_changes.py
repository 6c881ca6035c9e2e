"""/changes/ and the Atom feeds: what changed between two days, why, and never by whom."""

import datetime
import json

import feedparser
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from legislation.editorial import workflow
from legislation.models import Country
from legislation.statuses import ReasonCode, Status

from .factories import (
    cell,
    make_country,
    make_instrument,
    make_provision,
    make_source,
    make_user,
)

pytestmark = pytest.mark.usefixtures("reference_data")

TODAY = datetime.datetime.now(datetime.UTC).date().isoformat()


def approve_change(editor, reviewer, country, code, reason_code, public_reason="", note=""):
    target = cell(country, code)
    change = workflow.Change(
        target,
        target.version,
        {
            "status": Status.PARTIAL,
            "as_of": datetime.date(2024, 1, 1),
            "as_of_precision": "day",
            "evidence_grade": "B",
            "note": note,
            "source": make_source(),
        },
        [make_provision(make_instrument(country))],
    )
    result = workflow.propose(
        editor,
        "Asked Marie at the ministry",
        [change],
        reason_code=reason_code,
        public_reason=public_reason,
    )
    workflow.approve(reviewer, [p.pk for p in result.proposals])


@pytest.fixture
def two_changes(editor, reviewer):
    ph = Country.objects.get(iso2="PH")
    approve_change(editor, reviewer, ph, "ICMEC.5", ReasonCode.LAW_AMENDED, "RA 11930 in force")
    approve_change(editor, reviewer, ph, "ICMEC.3", ReasonCode.NEW_EVIDENCE)
    return ph


def test_it_lists_a_change_with_its_kind_and_public_reason(client, two_changes):
    response = client.get(f"/changes/?from={TODAY}&to={TODAY}&country=ph")
    body = response.content.decode()
    assert response.status_code == 200
    assert "RA 11930 in force" in body and "law amended" in body
    assert "1 law amended, 1 new evidence" in body


def test_it_filters_by_kind_of_change(client, two_changes):
    response = client.get(f"/changes/?from={TODAY}&to={TODAY}&reason=law_amended")
    assert [c.criterion.code for c in response.context["changes"]] == ["ICMEC.5"]


def test_it_names_no_one_and_hides_internal_reasons(client):
    editor = make_user("qzeditorname", groups=["Editors"])
    reviewer = make_user("qzreviewername", groups=["Reviewers"])
    approve_change(editor, reviewer, Country.objects.get(iso2="PH"), "ICMEC.5", "law_amended")
    for url in [
        f"/changes/?from={TODAY}&to={TODAY}",
        f"/changes/?from={TODAY}&to={TODAY}&format=csv",
        f"/changes/?from={TODAY}&to={TODAY}&format=json",
        "/changes/feed/",
        "/changes/feed/countries/ph/",
    ]:
        body = client.get(url).content.decode()
        assert editor.username not in body and reviewer.username not in body, url
        assert "Marie" not in body, url


def test_it_downloads_the_same_rows_as_json(client, two_changes):
    response = client.get(f"/changes/?from={TODAY}&to={TODAY}&country=ph&format=json")
    rows = json.loads(response.content)["rows"]
    assert {(r["criterion"], r["reason_code"]) for r in rows} == {
        ("ICMEC.5", "law_amended"),
        ("ICMEC.3", "new_evidence"),
    }


def test_it_refuses_a_bad_window_with_a_400(client):
    assert client.get("/changes/?from=2026-02-30").status_code == 400
    assert client.get("/changes/?from=2026-03-02&to=2026-03-01").status_code == 400
    assert client.get("/changes/?to=3000-01-01").status_code == 400
    assert client.get("/changes/?criterion=NOPE").status_code == 400


def test_the_country_feed_has_an_entry_for_the_change(client, two_changes):
    feed = feedparser.parse(client.get("/changes/feed/countries/ph/").content)
    assert not feed.bozo, feed.bozo_exception
    titles = [e.title for e in feed.entries]
    assert any("ICMEC.5" in t and "law amended" in t for t in titles)
    entry = next(e for e in feed.entries if "ICMEC.5" in e.title)
    assert "/changes/?country=ph&criterion=ICMEC.5" in entry.link
    assert "RA 11930 in force" in entry.summary
    assert "author" not in entry


@pytest.mark.parametrize(
    "url", ["/changes/feed/", "/changes/feed/criteria/ICMEC.5/", "/changes/feed/frameworks/icmec/"]
)
def test_every_feed_validates_and_lists_the_change(client, two_changes, url):
    feed = feedparser.parse(client.get(url).content)
    assert not feed.bozo and feed.version == "atom10"
    assert any("ICMEC.5" in e.title for e in feed.entries)


def test_an_unknown_feed_is_a_404(client):
    assert client.get("/changes/feed/countries/zz/").status_code == 404


def test_pages_advertise_their_feed(client):
    body = client.get("/countries/ph/").content.decode()
    assert (
        '<link rel="alternate" type="application/atom+xml" title="Changes to Philippines (Atom)" '
        'href="/changes/feed/countries/ph/">' in body
    )
    assert 'href="/changes/feed/criteria/ICMEC.5/"' in client.get("/criteria/ICMEC.5/").text


def test_profiles_and_gap_reports_link_to_what_changed_since(client):
    for url in ["/countries/ph/", "/countries/ph/gaps/"]:
        body = client.get(url).content.decode()
        assert 'action="/changes/"' in body and "What changed since" in body


def test_the_changes_page_runs_a_constant_number_of_queries(client, editor, reviewer):
    def count():
        with CaptureQueriesContext(connection) as captured:
            client.get(f"/changes/?from={TODAY}&to={TODAY}")
        return len(captured.captured_queries)

    approve_change(editor, reviewer, Country.objects.get(iso2="PH"), "ICMEC.5", "law_amended")
    few = count()
    for _ in range(3):
        country = make_country()
        from legislation.models import Assessment, Criterion

        Assessment.objects.create(
            country=country,
            criterion=Criterion.objects.get(code="ICMEC.1"),
            status=Status.MET,
            source=make_source(),
        ).provisions.add(make_provision(make_instrument(country)))
    assert count() == few
