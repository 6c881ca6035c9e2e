import io

import pytest
from django.core.management import call_command

from legislation.models import (
    Assessment,
    Country,
    Criterion,
    Framework,
    PublishedFigure,
    TreatyParticipation,
)
from legislation.statuses import Status

from .factories import cell, make_user

pytestmark = pytest.mark.usefixtures("reference_data")


def counts():
    return {
        "countries": Country.objects.count(),
        "frameworks": Framework.objects.count(),
        "icmec_leaves": Criterion.objects.of_framework("icmec").leaves().count(),
        "lanzarote_leaves": Criterion.objects.of_framework("lanzarote").leaves().count(),
        "lanzarote_articles": Criterion.objects.of_framework("lanzarote").articles().count(),
        "parties": TreatyParticipation.objects.filter(treaty__code="lanzarote").count(),
        "not_met": Assessment.objects.filter(status=Status.NOT_MET).count(),
        "cells": Assessment.objects.count(),
        "figures": PublishedFigure.objects.count(),
        "history": Assessment.history.count(),
    }


def test_it_loads_the_reference_counts():
    assert counts() == {
        "countries": 196,
        "frameworks": 2,
        "icmec_leaves": 5,
        "lanzarote_leaves": 21,
        "lanzarote_articles": 7,
        "parties": 48,
        "not_met": 16,  # 8 WePROTECT 2019 seeds + 11 ASEAN 2021 seeds, 3 of them the same cell
        "cells": 196 * 26,
        "figures": 44,
        "history": counts()["history"],
    }


def test_it_changes_nothing_when_run_twice():
    before = counts()
    out = io.StringIO()
    call_command("load_reference_data", stdout=out)
    assert counts() == before
    assert "nothing changed" in out.getvalue()


def test_it_includes_the_observer_states_and_kosovo():
    names = dict(Country.objects.filter(iso2__in=["VA", "PS", "XK"]).values_list("iso2", "name"))
    assert names == {"VA": "Holy See", "PS": "State of Palestine", "XK": "Kosovo"}
    assert Country.objects.get(iso2="XK").iso_numeric == ""


def test_it_derives_the_groups():
    assert Country.objects.in_group("coe").count() == 46
    assert Country.objects.in_group("eu").count() == 27
    assert Country.objects.in_group("lanzarote").count() == 48
    assert not Country.objects.in_group("coe").filter(iso2="RU").exists()
    north = Country.objects.in_group("global-north").count()
    assert Country.objects.in_group("global-south").count() == 196 - north
    assert Country.objects.in_group("global-north").filter(iso2="GB").exists()


def test_every_other_cell_reads_not_assessed():
    assessed = Assessment.objects.assessed()
    assert set(assessed.values_list("country__iso2", flat=True)) == {
        *("BA", "CN", "ID", "LB", "PE", "SA", "SG", "VN"),  # WePROTECT 2019
        *("LA", "MY", "MM", "KH"),  # the ASEAN review (2021) adds these
    }
    assert set(assessed.values_list("criterion__code", flat=True)) == {"ICMEC.2", "ICMEC.4"}


def test_seed_cells_carry_their_source_and_year():
    peru = cell(Country.objects.get(iso2="PE"), "ICMEC.2")
    assert peru.status == Status.NOT_MET
    assert "Global Threat Assessment 2019" in peru.source.title
    assert peru.as_of.year == 2018
    assert peru.as_of_precision == Assessment.AsOfPrecision.YEAR
    assert peru.evidence_grade == "C"


def test_it_never_overwrites_an_editors_change():
    editor = make_user(groups=["Editors"])
    singapore = cell(Country.objects.get(iso2="SG"), "ICMEC.2")
    singapore.status = Status.MET
    singapore._history_user = editor
    singapore._change_reason = "Amended 2020"
    singapore.save()

    call_command("load_reference_data", stdout=io.StringIO())

    singapore.refresh_from_db()
    assert singapore.status == Status.MET


def test_it_restores_a_seed_cell_nobody_edited():
    # A loader-only history means the value is still the reference data's to maintain.
    peru = cell(Country.objects.get(iso2="PE"), "ICMEC.2")
    Assessment.objects.filter(pk=peru.pk).update(status=Status.NOT_ASSESSED)
    call_command("load_reference_data", stdout=io.StringIO())
    peru.refresh_from_db()
    assert peru.status == Status.NOT_MET


def test_lanzarote_dates_are_blank_where_unknown():
    belgium = TreatyParticipation.objects.get(country__iso2="BE")
    assert belgium.is_party
    assert belgium.ratified is None and belgium.in_force is None
    tunisia = TreatyParticipation.objects.get(country__iso2="TN")
    assert tunisia.action == TreatyParticipation.Action.ACCESSION
    assert str(tunisia.in_force) == "2020-02-01"


def test_article_nodes_parent_their_subparagraphs():
    article = Criterion.objects.get(code="Art.20")
    assert not article.is_leaf
    assert list(article.children.values_list("code", flat=True)) == [
        "L20.1.a",
        "L20.1.b",
        "L20.1.c",
        "L20.1.d",
        "L20.1.e",
        "L20.1.f",
        "L20.2",
    ]


def test_every_leaf_has_guidance_for_gap_reports():
    missing = Criterion.objects.leaves().filter(must_contain="")
    assert list(missing) == []
    priorities = sorted(Criterion.objects.leaves().values_list("priority", flat=True))
    assert priorities == list(range(1, 27))
