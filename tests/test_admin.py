import html.parser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from legislation.editorial import workflow
from legislation.models import (
    ChangeProposal,
    Country,
    Criterion,
    Framework,
    TreatyParticipation,
)
from legislation.statuses import Status

from .factories import cell, make_source
from .scenarios import build_synthetic, inline_post_data

pytestmark = pytest.mark.usefixtures("reference_data")


def approve_all(reviewer, comment="Checked against the official text"):
    pending = list(ChangeProposal.objects.pending().values_list("pk", flat=True))
    assert pending, "expected proposals awaiting review"
    workflow.approve(reviewer, pending, comment)


def test_anonymous_users_reach_no_admin_page(client):
    for url in [
        reverse("admin:index"),
        reverse("admin:legislation_assessment_changelist"),
        reverse("admin:legislation_country_change", args=[Country.objects.get(iso2="SG").pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_an_editor_changes_a_cell_from_the_country_page_with_a_reason(client, editor, reviewer):
    singapore = Country.objects.get(iso2="SG")
    source = make_source(title="Singapore Penal Code, desk review")
    client.force_login(editor)
    url = reverse("admin:legislation_country_change", args=[singapore.pk])

    page = client.get(url)
    assert page.status_code == 200
    for code in ["ICMEC.1", "ICMEC.5", "L18.1.a", "L20.1.f", "L24.2"]:
        assert code in page.text

    response = client.post(
        url,
        inline_post_data(
            singapore,
            {
                "ICMEC.4": {
                    "status": Status.MET,
                    "source": source.pk,
                    "as_of": "2024-05-01",
                    "evidence_grade": "B",
                    "note": "s 377BK",
                }
            },
        ),
    )
    assert response.status_code == 302, response.context and response.context["errors"]

    # The editor's save is a proposal: the approved (public) value has not moved yet.
    assert cell(singapore, "ICMEC.4").status == Status.NOT_ASSESSED
    proposal = ChangeProposal.objects.get()
    assert proposal.batch.author == editor
    assert proposal.status == Status.MET
    assert proposal.batch.reason == "Desk review of the 2024 Penal Code"

    approve_all(reviewer)
    changed = cell(singapore, "ICMEC.4")
    assert changed.status == Status.MET
    assert changed.reviewed_by == reviewer
    latest = changed.history.first()
    assert latest.history_user == reviewer
    assert latest.proposed_by == editor
    assert latest.proposal_id == proposal.pk
    assert latest.history_change_reason == "Desk review of the 2024 Penal Code"
    delta = latest.diff_against(latest.prev_record)
    status_change = next(c for c in delta.changes if c.field == "status")
    assert (status_change.old, status_change.new) == (Status.NOT_ASSESSED, Status.MET)
    # Cells the editor did not touch get no proposal and no history entry.
    assert cell(singapore, "ICMEC.5").history.count() == 1
    assert ChangeProposal.objects.count() == 1


class FieldNames(html.parser.HTMLParser):
    """Each form field's accessible name (aria-label), by field name."""

    def __init__(self):
        super().__init__()
        self.names = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in {"input", "select", "textarea"} and attrs.get("name"):
            self.names[attrs["name"]] = attrs.get("aria-label")


def field_names(text):
    parser = FieldNames()
    parser.feed(text)
    return parser.names


def test_each_field_of_the_country_page_is_named_after_its_own_row(client, editor):
    # The autocomplete widgets (source, provisions) are wrapped by the admin; their names must
    # come from their own row, in the HTML itself, on the first request and on every later one.
    singapore = Country.objects.get(iso2="SG")
    cells = list(
        singapore.assessments.order_by(
            "criterion__framework__display_order", "criterion__display_order"
        ).values_list("criterion__code", flat=True)
    )
    client.force_login(editor)
    url = reverse("admin:legislation_country_change", args=[singapore.pk])
    for _ in range(2):
        names = field_names(client.get(url).text)
        for i, code in enumerate(cells):
            for field in ["status", "source", "provisions"]:
                name = names[f"assessments-{i}-{field}"]
                assert name == f"{code}: {field.capitalize()}", (i, field)


def test_a_save_without_a_reason_is_refused(client, editor):
    singapore = Country.objects.get(iso2="SG")
    client.force_login(editor)
    response = client.post(
        reverse("admin:legislation_country_change", args=[singapore.pk]),
        inline_post_data(singapore, {"ICMEC.4": {"status": Status.PARTIAL}}, reason=""),
    )
    assert response.status_code == 200
    assert "This field is required" in response.text
    assert cell(singapore, "ICMEC.4").status == Status.NOT_ASSESSED


def test_reserved_without_a_reservation_clause_is_refused_naming_the_criterion(client, editor):
    france = Country.objects.get(iso2="FR")
    client.force_login(editor)
    response = client.post(
        reverse("admin:legislation_country_change", args=[france.pk]),
        inline_post_data(
            france,
            {
                "L19.1.c": {
                    "status": Status.RESERVED,
                    "source": make_source().pk,
                    "as_of": "2024-01-01",
                }
            },
        ),
    )
    assert response.status_code == 200
    assert "not possible for L19.1.c" in response.text
    assert cell(france, "L19.1.c").status == Status.NOT_ASSESSED


def test_history_shows_the_change_and_revert_restores_the_old_value(client, editor, reviewer):
    peru = Country.objects.get(iso2="PE")
    assessment = cell(peru, "ICMEC.2")
    client.force_login(editor)
    change_url = reverse("admin:legislation_assessment_change", args=[assessment.pk])
    form = {
        "status": Status.MET,
        "as_of": "2024-03-01",
        "as_of_precision": "day",
        "evidence_grade": "B",
        "source": assessment.source_id,
        "note": "Law 30096 defines the material",
        "change_reason": "New law read",
        "reason_code": "new_evidence",
        "base_version": assessment.version,
    }
    assert client.post(change_url, form).status_code == 302
    assert cell(peru, "ICMEC.2").status == Status.NOT_MET  # not until a Reviewer approves
    approve_all(reviewer)

    history_page = client.get(reverse("admin:legislation_assessment_history", args=[assessment.pk]))
    assert "New law read" in history_page.text
    assert "eddie" in history_page.text
    assert "rita" in history_page.text
    assert "not_met" in history_page.text and "met" in history_page.text

    original = assessment.history.earliest()
    seeded = assessment.history.filter(status=Status.NOT_MET).latest()
    revert_url = reverse(
        "admin:legislation_assessment_simple_history", args=[assessment.pk, seeded.history_id]
    )
    assert client.get(revert_url).status_code == 200
    response = client.post(
        revert_url,
        {
            "status": seeded.status,
            "as_of": seeded.as_of.isoformat(),
            "as_of_precision": seeded.as_of_precision,
            "evidence_grade": seeded.evidence_grade,
            "source": seeded.source_id,
            "note": seeded.note,
            "change_reason": "Revert: law 30096 not yet in force",
            "reason_code": "new_evidence",
            "base_version": cell(peru, "ICMEC.2").version,
        },
    )
    assert response.status_code == 302
    # The revert is itself a proposal, and needs a Reviewer too.
    assert cell(peru, "ICMEC.2").status == Status.MET
    assert ChangeProposal.objects.pending().get().batch.kind == "revert"
    approve_all(reviewer)
    assessment.refresh_from_db()
    assert assessment.status == Status.NOT_MET
    assert assessment.history.first().history_change_reason.startswith("Revert")
    assert assessment.history.first().proposed_by == editor
    assert original.status == Status.NOT_ASSESSED


def test_a_viewer_can_look_but_change_nothing(client, viewer):
    singapore = Country.objects.get(iso2="SG")
    client.force_login(viewer)
    assert client.get(reverse("admin:legislation_assessment_changelist")).status_code == 200
    url = reverse("admin:legislation_country_change", args=[singapore.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, inline_post_data(singapore, {"ICMEC.4": {"status": "met"}}))
    assert response.status_code == 403
    assessment = cell(singapore, "ICMEC.2")
    response = client.post(
        reverse("admin:legislation_assessment_change", args=[assessment.pk]),
        {
            "status": Status.MET,
            "source": assessment.source_id,
            "change_reason": "x",
            "reason_code": "new_evidence",
            "base_version": assessment.version,
        },
    )
    assert response.status_code == 403
    assert cell(singapore, "ICMEC.2").status == Status.NOT_MET


def test_an_editor_cannot_edit_the_reference_criteria(client, editor):
    client.force_login(editor)
    url = reverse("admin:legislation_criterion_change", args=[Criterion.objects.first().pk])
    assert client.post(url, {"title": "changed"}).status_code == 403


def build_synthlands(n, seed):
    """n more synthetic countries, each with its blank grid and a Lanzarote ratification."""
    countries, _ = build_synthetic(n, seed=seed, fill=False)
    TreatyParticipation.objects.bulk_create(
        TreatyParticipation(
            country=c,
            treaty=Framework.objects.get(code=Framework.LANZAROTE),
            action=TreatyParticipation.Action.RATIFICATION,
        )
        for c in countries
    )


# Every list is narrowed to the synthetic countries ("Synthland"), so it shows 3 rows at the
# first size and 43 at the second, both within one page.
@pytest.mark.parametrize(
    "url_name,query",
    [
        ("admin:legislation_country_changelist", "?q=Synthland"),
        ("admin:legislation_country_changelist", "?group=global-south&q=Synthland"),
        ("admin:legislation_assessment_changelist", "?status=not_assessed&q=Synthland+L20"),
        ("admin:legislation_assessment_changelist", "?q=Synthland+ICMEC.1"),
        ("admin:legislation_treatyparticipation_changelist", "?q=Synthland"),
    ],
)
def test_admin_lists_keep_a_constant_query_count(client, editor, url_name, query):
    client.force_login(editor)
    url = reverse(url_name) + query

    def queries():
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        return len(captured.captured_queries), response.content.decode().count("Synthland")

    build_synthlands(3, seed=1)
    small, shown_small = queries()
    build_synthlands(40, seed=2)
    large, shown_large = queries()
    assert shown_large > shown_small > 0  # the second size really shows more rows
    assert large == small


def singapore_icmec4(status, source, note):
    return {"ICMEC.4": {"status": status, "source": source.pk, "as_of": "2024-05-01", "note": note}}


def pending_on(country, code):
    return list(
        ChangeProposal.objects.pending().filter(
            assessment__country=country, assessment__criterion__code=code
        )
    )


def test_an_editor_replaces_their_own_pending_change_from_the_country_page(
    client, editor, reviewer
):
    singapore = Country.objects.get(iso2="SG")
    source = make_source(title="Singapore Penal Code, desk review")
    url = reverse("admin:legislation_country_change", args=[singapore.pk])
    client.force_login(editor)
    first = client.post(
        url, inline_post_data(singapore, singapore_icmec4("met", source, "s 377BK"))
    )
    assert first.status_code == 302
    [mine] = pending_on(singapore, "ICMEC.4")

    # The row shows the change awaiting review, beside the approved value it would replace.
    page = client.get(url).text
    assert f"Change #{mine.pk} by {editor}" in page
    assert "<ins>✔ met</ins>" in page

    # The editor changes the same row again, from the page as it now is.
    second = client.post(
        url, inline_post_data(singapore, singapore_icmec4("partial", source, "s 377BK(1) only"))
    )
    assert second.status_code == 302, second.context and second.context["errors"]
    [replacement] = pending_on(singapore, "ICMEC.4")
    assert replacement.pk != mine.pk
    assert (replacement.status, replacement.note) == ("partial", "s 377BK(1) only")
    mine.refresh_from_db()
    assert mine.state == ChangeProposal.State.SUPERSEDED
    assert cell(singapore, "ICMEC.4").status == Status.NOT_ASSESSED  # still awaiting review

    # The Reviewers' queue holds one change for the cell: the newer one.
    client.force_login(reviewer)
    queue = client.get(reverse("admin:legislation_changeproposal_changelist") + "?country=SG")
    assert queue.text.count("s 377BK(1) only") == 1
    assert list(queue.context["cl"].result_list) == [replacement]


def test_an_editor_cannot_replace_another_editors_pending_change(client, editor, erin):
    singapore = Country.objects.get(iso2="SG")
    source = make_source()
    url = reverse("admin:legislation_country_change", args=[singapore.pk])
    client.force_login(erin)
    client.post(url, inline_post_data(singapore, singapore_icmec4("met", source, "Erin's reading")))
    [erins] = pending_on(singapore, "ICMEC.4")

    client.force_login(editor)
    response = client.post(
        url, inline_post_data(singapore, singapore_icmec4("not_met", source, "Eddie's reading"))
    )
    assert response.status_code == 200  # the page again, with the refusal beside the row
    assert "already has a change awaiting review" in response.text
    assert f"#{erins.pk}" in response.text
    assert pending_on(singapore, "ICMEC.4") == [erins]
    erins.refresh_from_db()
    assert erins.state == ChangeProposal.State.PENDING


def test_replacing_ones_own_change_is_refused_once_the_cell_has_moved_on(client, editor, reviewer):
    # The editor opens the page while their change awaits review; a Reviewer approves it;
    # the editor's replacement, made on the page as it was, must not overwrite the approval.
    singapore = Country.objects.get(iso2="SG")
    source = make_source()
    url = reverse("admin:legislation_country_change", args=[singapore.pk])
    client.force_login(editor)
    client.post(url, inline_post_data(singapore, singapore_icmec4("met", source, "first")))
    stale_page = inline_post_data(singapore, singapore_icmec4("partial", source, "second"))
    approve_all(reviewer)

    response = client.post(url, stale_page)
    assert response.status_code == 200
    assert "was changed by someone else after you opened it" in response.text
    assert not ChangeProposal.objects.pending().exists()
    assert cell(singapore, "ICMEC.4").note == "first"
