import pytest

from legislation.models import Country
from legislation.statuses import Status

from .factories import assess

pytestmark = pytest.mark.usefixtures("reference_data")


def test_it_lists_every_criterion_with_its_coverage(client):
    body = client.get("/criteria/").content.decode()
    for code in ("ICMEC.1", "ICMEC.5", "Art.20", "L20.1.f", "L24.2"):
        assert f">{code}</a>" in body
    assert "assessed: 11 of 196" in body  # ICMEC.2: the eleven seed cells


def test_it_explains_what_a_criterion_asks_and_what_a_law_must_contain(client):
    body = client.get("/criteria/ICMEC.4/").content.decode()
    assert "Simple possession" in body
    assert "What a law must contain" in body
    assert "Not applicable: ICMEC's model legislation is not a treaty" in body


def test_it_states_the_reservation_rule(client):
    body = client.get("/criteria/L20.1.f/").content.decode()
    assert "may be reserved in full" in body and "20(4)" in body
    body = client.get("/criteria/L20.1.b/").content.decode()
    assert "No reservation is allowed" in body


def test_it_counts_and_lists_the_countries_in_each_status(client):
    body = client.get("/criteria/ICMEC.2/").content.decode()
    assert "assessed: 11 of 196" in body
    not_met = body.split("✘</span> not met</span> (11)", 1)[1].split("</section>", 1)[0]
    assert '<a href="/countries/sg/">Singapore</a>' in not_met
    assert not_met.count("<li>") == 11


def test_it_rolls_an_article_up_from_its_sub_paragraphs(client):
    france = Country.objects.get(iso2="FR")
    for code in ("L20.1.a", "L20.1.b", "L20.1.c", "L20.1.d", "L20.1.e", "L20.1.f", "L20.2"):
        assess(france, code, Status.MET)
    body = client.get("/criteria/Art.20/").content.decode()
    met = body.split("✔</span> met</span> (1)", 1)[1].split("</section>", 1)[0]
    assert "France" in met
    assert "L20.1.f" in body and "Every sub-paragraph met" in body


def test_it_shades_the_map_by_the_criterion_status(client):
    france = Country.objects.get(iso2="FR")
    assess(france, "L20.1.f", Status.RESERVED)
    body = client.get("/criteria/L20.1.f/").content.decode()
    assert "<title>France: reserved</title>" in body
    assert "⊘ reserved (1)" in body and "? not assessed (195)" in body


def test_it_answers_an_unknown_code_with_404(client):
    response = client.get("/criteria/<script>/")
    assert response.status_code == 404
    assert b"<script>" not in response.content


def test_it_reads_a_criterion_page_in_a_constant_number_of_queries(
    client, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8):
        client.get("/criteria/Art.20/")
    with django_assert_max_num_queries(6):
        client.get("/criteria/ICMEC.1/")


def test_it_reads_a_criterion_page_in_the_same_queries_for_20_and_200_more_countries(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from .scenarios import build_synthetic

    counts = []
    for n, seed in ((20, 31), (180, 32)):
        build_synthetic(n, region=f"Synth {n}", seed=seed)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/criteria/Art.20/").status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_it_redirects_a_code_in_other_letter_case_to_the_page_address(client):
    response = client.get("/criteria/icmec.4/")
    assert response.status_code == 301
    assert response["Location"] == "/criteria/ICMEC.4/"
    assert client.get("/criteria/L20.1.F/")["Location"] == "/criteria/L20.1.f/"
