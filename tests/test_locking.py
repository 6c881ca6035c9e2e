"""No lost updates: two people editing one cell never silently overwrite each other."""

import re
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from legislation.editorial import workflow
from legislation.models import ChangeProposal, Country, LegalInstrument
from legislation.statuses import Status

from .factories import cell, make_source, make_user
from .scenarios import csv_bytes, inline_post_data, row

pytestmark = pytest.mark.usefixtures("reference_data")


def assessment_form(assessment, version, **values):
    return {
        "status": Status.MET,
        "as_of": "2024-03-01",
        "as_of_precision": "day",
        "evidence_grade": "B",
        "source": make_source().pk,
        "note": "",
        "change_reason": "Read the law",
        "reason_code": "new_evidence",
        "base_version": version,
        **values,
    }


def test_the_second_of_two_editors_is_refused_and_shown_the_first_change(client, eddie, erin):
    peru = Country.objects.get(iso2="PE")
    target = cell(peru, "ICMEC.2")
    url = reverse("admin:legislation_assessment_change", args=[target.pk])
    # Both open the form on the same version.
    opened = target.version

    client.force_login(eddie)
    assert client.post(url, assessment_form(target, opened, note="eddie's")).status_code == 302
    client.force_login(erin)
    response = client.post(url, assessment_form(target, opened, status=Status.PARTIAL))

    assert response.status_code == 200
    assert "already has a change awaiting review" in response.text
    assert "by eddie" in response.text and "✔ met" in response.text
    # Nothing lost: eddie's proposal stands, erin's was not written.
    assert ChangeProposal.objects.get().batch.author == eddie
    assert ChangeProposal.objects.get().note == "eddie's"


def test_an_editor_who_opened_before_an_approval_is_refused(client, eddie, erin, reviewer):
    peru = Country.objects.get(iso2="PE")
    target = cell(peru, "ICMEC.2")
    url = reverse("admin:legislation_assessment_change", args=[target.pk])
    client.force_login(erin)
    opened = int(re.search(r'name="base_version" value="(\d+)"', client.get(url).text).group(1))

    client.force_login(eddie)
    client.post(url, assessment_form(target, opened, note="eddie's reading"))
    workflow.approve(reviewer, [ChangeProposal.objects.get().pk])

    client.force_login(erin)
    response = client.post(url, assessment_form(target, opened, status=Status.PARTIAL))
    assert response.status_code == 200
    assert "was changed by someone else after you opened it" in response.text
    assert "eddie (approved by rita)" in response.text
    assert ChangeProposal.objects.count() == 1
    assert cell(peru, "ICMEC.2").note == "eddie's reading"


def test_the_country_page_refuses_a_stale_cell_and_saves_nothing(client, eddie, reviewer):
    singapore = Country.objects.get(iso2="SG")
    stale = inline_post_data(singapore, {"ICMEC.4": {"status": Status.NOT_MET}})
    # Someone else's change to another cell on the page is approved meanwhile.
    other = make_user("erin", groups=["Editors"])
    result = workflow.propose(
        other,
        "other",
        [
            workflow.Change(
                assessment=cell(singapore, "ICMEC.1"),
                base_version=cell(singapore, "ICMEC.1").version,
                values={
                    "status": Status.MET,
                    "as_of": None,
                    "as_of_precision": "day",
                    "evidence_grade": "",
                    "note": "",
                    "source": make_source(),
                },
            )
        ],
    )
    workflow.approve(reviewer, [result.proposals[0].pk])
    # The stale page also carries an edit to ICMEC.1, made on the old version.
    codes = list(
        singapore.assessments.order_by(
            "criterion__framework__display_order", "criterion__display_order"
        ).values_list("criterion__code", flat=True)
    )
    stale[f"assessments-{codes.index('ICMEC.1')}-note"] = "mine"

    client.force_login(eddie)
    response = client.post(reverse("admin:legislation_country_change", args=[singapore.pk]), stale)
    assert response.status_code == 200
    assert "was changed by someone else" in response.text
    assert ChangeProposal.objects.count() == 1  # only erin's, approved


def test_an_import_confirmed_after_someone_else_changed_a_cell_is_refused(
    client, eddie, erin, reviewer
):
    client.force_login(eddie)
    data = csv_bytes([row("FR", "ICMEC.1"), row("FR", "ICMEC.2")])
    page = client.post(
        reverse("admin:legislation_assessment_import"),
        {"file": SimpleUploadedFile("b.csv", data, content_type="text/csv")},
    )
    upload = re.search(r'name="upload" value="(\d+)"', page.text).group(1)

    france = Country.objects.get(iso2="FR")
    target = cell(france, "ICMEC.2")
    result = workflow.propose(
        erin,
        "erin's reading",
        [
            workflow.Change(
                assessment=target,
                base_version=target.version,
                values={
                    "status": Status.NOT_MET,
                    "as_of": None,
                    "as_of_precision": "day",
                    "evidence_grade": "",
                    "note": "",
                    "source": make_source(),
                },
            )
        ],
    )
    workflow.approve(reviewer, [result.proposals[0].pk])

    response = client.post(
        reverse("admin:legislation_assessment_import"),
        {"upload": upload, "reason": "import", "reason_code": "new_evidence"},
    )
    assert response.status_code == 409
    assert "Row 4: France – ICMEC.2 was changed by someone else" in response.text
    assert "erin (approved by rita)" in response.text
    # All or nothing: the untouched row 3 was not proposed either.
    assert ChangeProposal.objects.filter(batch__author=eddie).count() == 0
    assert cell(france, "ICMEC.2").status == Status.NOT_MET


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks need PostgreSQL; SQLite has none"
)
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_proposals_on_one_cell_let_exactly_one_win(reference_data):
    eddie = make_user("eddie2", groups=["Editors"])
    erin = make_user("erin2", groups=["Editors"])
    target = cell(Country.objects.get(iso2="FR"), "ICMEC.3")
    source = make_source()
    barrier = threading.Barrier(2)
    outcomes = {}

    def propose(user, status):
        from django.db import connection as thread_connection

        try:
            barrier.wait(timeout=10)
            workflow.propose(
                user,
                "race",
                [
                    workflow.Change(
                        assessment=target,
                        base_version=target.version,
                        values={
                            "status": status,
                            "as_of": None,
                            "as_of_precision": "day",
                            "evidence_grade": "",
                            "note": "",
                            "source": source,
                        },
                    )
                ],
            )
            outcomes[user.username] = "proposed"
        except workflow.WorkflowError as error:
            outcomes[user.username] = error.messages[0]
        finally:
            thread_connection.close()

    threads = [
        threading.Thread(target=propose, args=(eddie, Status.MET)),
        threading.Thread(target=propose, args=(erin, Status.PARTIAL)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert sorted(outcomes.values()).count("proposed") == 1, outcomes
    loser = next(v for v in outcomes.values() if v != "proposed")
    assert "already has a change awaiting review" in loser
    assert ChangeProposal.objects.filter(assessment=target).count() == 1


def test_a_second_save_of_a_legal_instrument_is_refused_naming_the_first(client, eddie, erin):
    france = Country.objects.get(iso2="FR")
    instrument = LegalInstrument(country=france, title="Code pénal", year=1992)
    instrument._change_reason = "recorded"
    instrument.save()
    url = reverse("admin:legislation_legalinstrument_change", args=[instrument.pk])
    client.force_login(erin)
    seen = re.search(r'name="seen_history" value="(\d+)"', client.get(url).text).group(1)

    def post(note, reason):
        return client.post(
            url,
            {
                "country": france.pk,
                "title": "Code pénal",
                "year": 1992,
                "note": note,
                "change_reason": reason,
                "reason_code": "new_evidence",
                "seen_history": seen,
            },
        )

    client.force_login(eddie)
    assert post("eddie's note", "Consolidated text of 2024").status_code == 302
    client.force_login(erin)
    response = post("erin's note", "Another reading")
    assert response.status_code == 200
    assert "eddie changed this record on" in response.text
    assert "Consolidated text of 2024" in response.text
    instrument.refresh_from_db()
    assert instrument.note == "eddie's note"
