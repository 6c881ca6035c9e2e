"""An article with only some sub-paragraphs assessed never reads as known, on any page or
download: the Philippines with only L20.1.a met."""

import csv
import io

import pytest

from legislation.models import Country
from legislation.statuses import Status

from .factories import assess

pytestmark = pytest.mark.usefixtures("reference_data")


@pytest.fixture
def philippines():
    ph = Country.objects.get(iso2="PH")
    assess(ph, "L20.1.a", Status.MET)
    return ph


def test_it_never_reads_partial_in_the_wide_download(client, philippines):
    data = client.get("/compare/?framework=lanzarote&q=Philippines&_export=csv&shape=wide")
    lines = [line for line in data.content.decode("utf-8-sig").splitlines() if line[:1] != "#"]
    header, row = list(csv.reader(io.StringIO("\n".join(lines))))[:2]
    assert row[header.index("Art.20")] == "not_assessed (1 of 7 assessed)"


def test_it_never_reads_partial_side_by_side(client, philippines):
    body = client.get("/compare/countries/?c=PH&c=FR").content.decode()
    row = body.split("Offences concerning child pornography", 1)[1].split("</tr>")[0]
    assert "partial" not in row and "1 of 7 assessed" in row


def test_it_never_reads_partial_on_the_profile(client, philippines):
    body = client.get("/countries/ph/").content.decode()
    row = body.split('class="article-row"', 4)[3].split("</tr>")[0]  # Art. 18, 19, 20
    assert "not assessed" in row and "1 of 7 assessed" in row and "partial" not in row
    assert "How an article's status is worked out" in body


def test_it_lists_the_country_as_not_assessed_on_the_article_page(client, philippines):
    body = client.get("/criteria/Art.20/").content.decode()
    partial = body.split("◐</span> partial</span> (", 1)[1].split("</section>", 1)[0]
    assert "Philippines" not in partial
    assert "Philippines</a> <small>(1 of 7 assessed)</small>" in body
