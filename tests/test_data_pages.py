import pytest
from django.urls import reverse

from legislation.models import Assessment, Release
from legislation.releases import package
from legislation.statuses import Status

from .api_helpers import people, publish
from .factories import make_user

pytestmark = pytest.mark.usefixtures("reference_data")


def test_it_says_when_no_release_exists(client):
    response = client.get("/data/")

    assert response.status_code == 200
    assert "No data release has been published yet." in response.content.decode()
    assert client.get("/data/latest/").status_code == 404


def test_it_lists_releases_with_counts_notes_and_checksum(client):
    release = package.create_release("1.0.0", "First release of the <b>data</b>")

    page = client.get("/data/").content.decode()

    assert "1.0.0" in page and release.zip_sha256 in page
    # The counts are the database's own, whatever the reference data ships.
    assessed = Assessment.objects.exclude(status=Status.NOT_ASSESSED).count()
    cells = Assessment.objects.count()
    assert f"196 countries, {cells} cells (assessed {assessed} of {cells})" in page
    assert "First release of the &lt;b&gt;data&lt;/b&gt;" in page  # notes are escaped
    assert reverse("legislation:data-latest") in page


def test_it_points_latest_at_the_newest_release(client):
    editor, reviewer = people()
    package.create_release("1.0.0", "First")
    publish(editor, reviewer, "FR", "ICMEC.1")
    package.create_release("1.1.0", "France assessed")

    response = client.get("/data/latest/")

    assert response["Location"] == reverse("legislation:data-zip", args=["1.1.0"])


def test_it_gives_a_citation_per_release_in_three_forms(client):
    package.create_release("1.0.0", "First")

    text = client.get("/data/1.0.0/cite.txt").content.decode()
    bibtex = client.get("/data/1.0.0/cite.bib").content.decode()
    cff = client.get("/data/1.0.0/cite.cff").content.decode()

    assert "(version 1.0.0) [Data set]" in text and "http://testserver/data/1.0.0/" in text
    assert bibtex.startswith("@misc{csem_gap_analysis_1_0_0,") and "version = {1.0.0}" in bibtex
    assert 'version: "1.0.0"' in cff and "cff-version: 1.2.0" in cff
    assert "license: CC-BY-4.0" in cff


def test_it_answers_404_for_an_unknown_release_or_file(client):
    package.create_release("1.0.0", "First")

    assert client.get("/data/9.9.9/").status_code == 404
    assert client.get("/data/1.0.0/files/secret.txt").status_code == 404
    assert client.get("/data/1.0.0/cite.doc").status_code == 404


def test_it_serves_each_file_as_stored(client):
    release = package.create_release("1.0.0", "First")

    response = client.get("/data/1.0.0/files/data/cells.csv")

    assert response.content == release.file_bytes()["data/cells.csv"]
    assert response["Content-Type"] == "text/csv; charset=utf-8"


def test_publishers_cut_a_release_in_the_admin(client):
    client.force_login(make_user("pat", groups=["Publishers"]))

    response = client.post(
        reverse("admin:legislation_release_add"), {"version": "1.0.0", "notes": "First"}
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert Release.objects.get().counts["cells"] == 5096


def test_the_admin_refuses_a_version_that_contradicts_the_changes(client):
    editor, reviewer = people()
    package.create_release("1.0.0", "First")
    publish(editor, reviewer, "FR", "ICMEC.1", status=Status.MET)
    client.force_login(make_user("pat", groups=["Publishers"]))

    response = client.post(
        reverse("admin:legislation_release_add"), {"version": "1.0.1", "notes": "Patch?"}
    )

    assert response.status_code == 200
    assert "the next version is 1.1.0" in response.content.decode()
    assert Release.objects.count() == 1


def test_editors_may_not_cut_a_release(client):
    client.force_login(make_user("eve", groups=["Editors"]))

    response = client.get(reverse("admin:legislation_release_add"))

    assert response.status_code == 403


def test_the_verify_action_reports_an_intact_release(client):
    release = package.create_release("1.0.0", "First")
    client.force_login(make_user("root", is_superuser=True))

    response = client.post(
        reverse("admin:legislation_release_changelist"),
        {"action": "verify_selected", "_selected_action": [release.pk]},
        follow=True,
    )

    assert "Release 1.0.0: every file and the zip match." in response.content.decode()
