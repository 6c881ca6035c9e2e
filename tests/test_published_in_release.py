"""`?release=1.0.0`: every public page and download as published when a data release was cut,
read through the same `PublishedOnForm` and banner as `?as_of=`."""

import pytest

from legislation.releases import package

from .test_published_on import above_the_laws_on_record, approved_today  # noqa: F401

# The release is cut first, then PH ICMEC.5 is approved (`approved_today`).
pytestmark = pytest.mark.usefixtures("reference_data", "release", "approved_today")


@pytest.fixture
def release():
    """Release 1.0.0, cut before `approved_today` approves PH ICMEC.5."""
    return package.create_release("1.0.0", "Before the Philippine change")


def test_it_shows_the_profile_as_published_in_the_release(client):
    past = client.get("/countries/ph/?release=1.0.0").content.decode()
    assert "Anti-Child Pornography Act" not in above_the_laws_on_record(past)
    assert "Anti-Child Pornography Act" in client.get("/countries/ph/").content.decode()


def test_it_shows_a_release_banner_with_a_link_to_todays_version(client, release):
    body = client.get("/countries/ph/?release=1.0.0").content.decode()
    day = release.cut_at.date()
    assert f"As published in release 1.0.0 ({day.day} {day:%B %Y})" in body
    assert 'href="/countries/ph/">see today' in body


def test_its_links_keep_the_release(client):
    body = client.get("/countries/ph/?release=1.0.0").content.decode()
    assert 'href="/compare/?release=1.0.0"' in body


def test_it_shows_the_comparison_page_and_download_as_in_the_release(client, release):
    page = client.get("/compare/?framework=icmec&release=1.0.0")
    past = client.get("/compare/?framework=icmec&_export=csv&shape=long&release=1.0.0")
    today = client.get("/compare/?framework=icmec&_export=csv&shape=long")
    assert "As published in release 1.0.0" in page.content.decode()
    assert past.status_code == 200
    assert "Anti-Child Pornography Act" in today.content.decode()
    assert "Anti-Child Pornography Act" not in past.content.decode()


def test_it_shows_the_gap_report_as_in_the_release(client):
    past = client.get("/countries/ph/gaps/?release=latest").content.decode()
    assert "As published in release 1.0.0" in past
    assert "Anti-Child Pornography Act" not in past


@pytest.mark.parametrize("path", ["/countries/ph/", "/compare/?framework=icmec"])
def test_it_refuses_an_unknown_release_with_a_400(client, path):
    sep = "&" if "?" in path else "?"
    response = client.get(f"{path}{sep}release=9.9.9")
    assert response.status_code == 400
    assert b"No data release has the version" in response.content


def test_it_refuses_as_of_and_release_together_with_a_400(client):
    response = client.get("/countries/ph/?release=1.0.0&as_of=2026-01-01")
    assert response.status_code == 400
    assert b"either as_of or release, not both" in response.content
