"""The Reviewers' queue in the admin, and the history pages."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from legislation import history
from legislation.editorial import workflow
from legislation.models import ChangeBatch, ChangeProposal, Country, Criterion
from legislation.statuses import Status

from .factories import cell, make_source, make_user

pytestmark = pytest.mark.usefixtures("reference_data")

QUEUE = "admin:legislation_changeproposal_changelist"


def propose(author, iso2, codes, status=Status.MET, reason="Desk review"):
    country = Country.objects.get(iso2=iso2)
    source = make_source()
    changes = []
    for code in codes:
        target = cell(country, code)
        changes.append(
            workflow.Change(
                assessment=target,
                base_version=target.version,
                values={
                    "status": status,
                    "as_of": datetime.date(2024, 1, 31),
                    "as_of_precision": "day",
                    "evidence_grade": "B",
                    "note": f"{author} on {code}",
                    "source": source,
                },
            )
        )
    return workflow.propose(author, reason, changes)


def test_the_queue_lists_pending_changes_with_their_diffs(client, eddie, reviewer):
    propose(eddie, "FR", ["ICMEC.1"])
    client.force_login(reviewer)
    page = client.get(reverse(QUEUE))
    assert page.status_code == 200
    assert "France" in page.text and "ICMEC.1" in page.text
    assert "<del>? not assessed</del> → <ins>✔ met</ins>" in page.text
    assert "eddie" in page.text and "Desk review" in page.text


@pytest.mark.parametrize(
    "query,shown,hidden",
    [
        ("?country=FR", "eddie on ICMEC.1", "erin on L18.1.a"),
        ("?country=DE", "erin on L18.1.a", "eddie on ICMEC.1"),
        ("?assessment__criterion__framework__id__exact={icmec}", "eddie on", "erin on"),
        ("?batch__author__id__exact={erin}", "erin on L18.1.a", "eddie on ICMEC.1"),
    ],
)
def test_the_queue_filters_by_country_framework_and_author(
    client, eddie, erin, reviewer, query, shown, hidden
):
    propose(eddie, "FR", ["ICMEC.1"])
    propose(erin, "DE", ["L18.1.a"])
    client.force_login(reviewer)
    icmec = Criterion.objects.get(code="ICMEC.1").framework_id
    page = client.get(reverse(QUEUE) + query.format(icmec=icmec, erin=erin.pk))
    assert page.status_code == 200
    assert shown in page.text
    assert hidden not in page.text


def test_the_queue_hides_decided_changes_unless_asked(client, eddie, reviewer):
    result = propose(eddie, "FR", ["ICMEC.1"])
    workflow.reject(reviewer, [result.proposals[0].pk], "No, wrong article")
    client.force_login(reviewer)
    assert "eddie on ICMEC.1" not in client.get(reverse(QUEUE)).text
    decided = client.get(reverse(QUEUE) + "?state=all").text
    assert "No, wrong article" in decided


def test_a_reviewer_bulk_approves_a_batch_after_a_confirmation_page(client, eddie, reviewer):
    result = propose(eddie, "FR", ["ICMEC.1", "ICMEC.2", "ICMEC.3"])
    ids = [p.pk for p in result.proposals]
    client.force_login(reviewer)
    url = reverse(QUEUE) + f"?batch={result.batch.pk}"
    confirm = client.post(url, {"action": "approve_selected", "_selected_action": ids})
    assert confirm.status_code == 200
    assert "Yes, approve them" in confirm.text
    assert cell(Country.objects.get(iso2="FR"), "ICMEC.1").status == Status.NOT_ASSESSED

    done = client.post(
        url,
        {
            "action": "approve_selected",
            "_selected_action": ids,
            "decide": "yes",
            "comment": "All three checked against Légifrance",
        },
    )
    assert done.status_code == 302
    france = Country.objects.get(iso2="FR")
    assert [cell(france, c).status for c in ["ICMEC.1", "ICMEC.2", "ICMEC.3"]] == ["met"] * 3
    assert set(ChangeProposal.objects.values_list("review_comment", flat=True)) == {
        "All three checked against Légifrance"
    }


def test_rejecting_through_the_queue_needs_a_comment(client, eddie, reviewer):
    result = propose(eddie, "FR", ["ICMEC.1"])
    client.force_login(reviewer)
    data = {
        "action": "reject_selected",
        "_selected_action": [result.proposals[0].pk],
        "decide": "yes",
        "comment": "",
    }
    client.post(reverse(QUEUE), data)
    assert ChangeProposal.objects.get().state == "pending"
    client.post(reverse(QUEUE), {**data, "comment": "Cite the article"})
    assert ChangeProposal.objects.get().state == "rejected"


def test_a_reviewer_cannot_approve_their_own_change_through_the_queue(client):
    both = make_user("bea", groups=["Editors", "Reviewers"])
    result = propose(both, "FR", ["ICMEC.1"])
    client.force_login(both)
    response = client.post(
        reverse(QUEUE),
        {
            "action": "approve_selected",
            "_selected_action": [result.proposals[0].pk],
            "decide": "yes",
            "comment": "",
        },
        follow=True,
    )
    assert "your own change" in response.text
    assert ChangeProposal.objects.get().state == "pending"


def test_an_editor_sees_the_queue_without_the_approve_action(client, eddie, erin):
    propose(erin, "FR", ["ICMEC.1"])
    client.force_login(eddie)
    page = client.get(reverse(QUEUE))
    assert page.status_code == 200
    assert "approve_selected" not in page.text
    response = client.post(
        reverse(QUEUE),
        {
            "action": "approve_selected",
            "_selected_action": [ChangeProposal.objects.get().pk],
            "decide": "yes",
        },
    )
    assert ChangeProposal.objects.get().state == "pending"
    assert response.status_code in (200, 302)


def test_the_queue_keeps_a_constant_query_count(client, eddie, erin, reviewer):
    client.force_login(reviewer)
    propose(eddie, "FR", ["ICMEC.1", "ICMEC.2"])

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse(QUEUE)).status_code == 200
        return len(captured.captured_queries)

    few = queries()
    for iso2 in ["DE", "IT", "ES", "PL", "NL", "BE", "AT", "PT", "GR", "SE"]:
        propose(erin, iso2, ["ICMEC.1", "ICMEC.2", "L18.1.a", "L20.1.a"])
    assert ChangeProposal.objects.count() == 42
    assert queries() == few


BATCHES = "admin:legislation_changebatch_changelist"


def test_a_batch_revert_is_proposed_from_the_batch_list(client, eddie, reviewer):
    result = propose(eddie, "FR", ["ICMEC.1"])
    workflow.approve(reviewer, [result.proposals[0].pk])
    client.force_login(eddie)
    chosen = {"action": "propose_revert", "_selected_action": [result.batch.pk]}
    asked = client.post(reverse(BATCHES), chosen)
    assert asked.status_code == 200  # first: why, and which kind of change
    assert not ChangeBatch.objects.filter(kind="revert").exists()
    response = client.post(
        reverse(BATCHES),
        {
            **chosen,
            "decide": "yes",
            "reason": "Read the wrong code",
            "reason_code": "error_corrected",
        },
    )
    assert response.status_code == 302
    revert = ChangeBatch.objects.get(kind="revert")
    assert revert.reverts == result.batch
    assert revert.reason == "Read the wrong code"
    assert revert.proposals.get().status == Status.NOT_ASSESSED
    assert cell(Country.objects.get(iso2="FR"), "ICMEC.1").status == Status.MET


def test_a_batch_revert_offers_error_corrected_first_and_every_other_kind(client, eddie, reviewer):
    result = propose(eddie, "FR", ["ICMEC.1"], reason="Desk review of the Code")
    workflow.approve(reviewer, [result.proposals[0].pk])
    client.force_login(eddie)
    page = client.post(
        reverse(BATCHES), {"action": "propose_revert", "_selected_action": [result.batch.pk]}
    )
    form = page.context["form"]
    assert form["reason_code"].value() == "error_corrected"
    assert f"Revert of batch #{result.batch.pk} (Desk review of the Code)" in form["reason"].value()
    body = page.content.decode()
    for label in ["law amended", "reinterpretation", "Reason shown to the public"]:
        assert label in body


def test_a_batch_revert_is_coded_as_its_author_chooses_and_published_so(client, eddie, reviewer):
    result = propose(eddie, "FR", ["ICMEC.1"])
    workflow.approve(reviewer, [result.proposals[0].pk])
    client.force_login(eddie)
    client.post(
        reverse(BATCHES),
        {
            "action": "propose_revert",
            "_selected_action": [result.batch.pk],
            "decide": "yes",
            "reason": "The amendment was struck down",
            "reason_code": "law_amended",
            "public_reason": "Constitutional Council annulled the 2024 amendment",
        },
    )
    revert = ChangeBatch.objects.get(kind="revert")
    assert (revert.reason_code, revert.public_reason) == (
        "law_amended",
        "Constitutional Council annulled the 2024 amendment",
    )
    workflow.approve(reviewer, [revert.proposals.get().pk])
    newest = history.changes_between(country__iso2="FR")[0]  # what /changes/ and feeds show
    assert newest.reason_code == "law_amended"
    assert newest.public_reason == "Constitutional Council annulled the 2024 amendment"


@pytest.mark.parametrize(
    "bad", [{"reason_code": "oops"}, {"reason": ""}, {"reason_code": ""}, {"reason": "x" * 251}]
)
def test_a_batch_revert_without_a_valid_reason_or_kind_asks_again(client, eddie, reviewer, bad):
    result = propose(eddie, "FR", ["ICMEC.1"])
    workflow.approve(reviewer, [result.proposals[0].pk])
    client.force_login(eddie)
    fields = {"reason": "Wrong", "reason_code": "error_corrected", **bad}
    response = client.post(
        reverse(BATCHES),
        {"action": "propose_revert", "_selected_action": [result.batch.pk], "decide": "yes"}
        | fields,
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not ChangeBatch.objects.filter(kind="revert").exists()


# History pages


def test_the_country_history_shows_who_when_old_new_reason_and_approver(client, eddie, reviewer):
    result = propose(eddie, "FR", ["ICMEC.1"], reason="Penal Code read in 2024")
    workflow.approve(reviewer, [result.proposals[0].pk], "Checked the Journal officiel")
    client.force_login(reviewer)
    page = client.get(reverse("legislation:country_history", args=["fr"]))
    assert page.status_code == 200
    text = page.text
    assert "Penal Code read in 2024" in text
    assert "<td>eddie</td>" in text and "<td>rita</td>" in text
    assert "<del>? not assessed</del> → <ins>✔ met</ins>" in text
    assert "Checked the Journal officiel" in text


def test_the_criterion_history_lists_changes_in_every_country(client, eddie, erin, reviewer):
    a = propose(eddie, "FR", ["ICMEC.4"])
    b = propose(erin, "DE", ["ICMEC.4"], status=Status.PARTIAL)
    workflow.approve(reviewer, [a.proposals[0].pk, b.proposals[0].pk])
    client.force_login(eddie)
    page = client.get(reverse("legislation:criterion_history", args=["ICMEC.4"]))
    assert page.status_code == 200
    assert "France" in page.text and "Germany" in page.text
    assert "Propose reverting this change" in page.text


def test_the_point_in_time_view_shows_values_as_approved_on_a_date(client, eddie, reviewer):
    result = propose(eddie, "FR", ["ICMEC.1"])
    workflow.approve(reviewer, [result.proposals[0].pk])
    # Backdate the cell's creation and its approval so that two past days differ.
    approved, created = cell(Country.objects.get(iso2="FR"), "ICMEC.1").history.all()[:2]
    created.history_date = timezone.now() - datetime.timedelta(days=10)
    created.save()
    approved.history_date = timezone.now() - datetime.timedelta(days=3)
    approved.save()
    two_days_ago = (timezone.localdate() - datetime.timedelta(days=2)).isoformat()
    four_days_ago = (timezone.localdate() - datetime.timedelta(days=4)).isoformat()
    client.force_login(reviewer)
    url = reverse("legislation:country_history", args=["fr"])

    later = client.get(url, {"on": two_days_ago}).text
    earlier = client.get(url, {"on": four_days_ago}).text
    row = '<th scope="row">ICMEC.1 <small>'
    assert "✔</span> met" in later.split(row)[1].split("</tr>")[0]
    assert "?</span> not assessed" in earlier.split(row)[1].split("</tr>")[0]


@pytest.mark.parametrize("bad", ["2024-13-45", "<script>", "2999-01-01"])
def test_the_point_in_time_view_rejects_a_bad_date_clearly(client, reviewer, bad):
    client.force_login(reviewer)
    page = client.get(reverse("legislation:country_history", args=["fr"]), {"on": bad})
    assert page.status_code == 400
    assert "<script>" not in page.text.split("<main")[1]


def test_the_history_pages_keep_a_constant_query_count(client, eddie, reviewer):
    client.force_login(reviewer)
    url = reverse("legislation:criterion_history", args=["ICMEC.1"])

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured.captured_queries)

    first = propose(eddie, "FR", ["ICMEC.1"])
    workflow.approve(reviewer, [p.pk for p in first.proposals])
    few = queries()
    for iso2 in ["DE", "IT", "ES", "PL", "NL", "BE", "AT", "PT"]:
        result = propose(eddie, iso2, ["ICMEC.1"])
        workflow.approve(reviewer, [p.pk for p in result.proposals])
    assert queries() == few


def test_the_history_pages_are_not_public(client):
    for url in [
        reverse("legislation:country_history", args=["fr"]),
        reverse("legislation:criterion_history", args=["ICMEC.1"]),
    ]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_an_unknown_country_or_criterion_history_is_a_404(client, reviewer):
    client.force_login(reviewer)
    assert client.get(reverse("legislation:country_history", args=["zz"])).status_code == 404
    assert client.get(reverse("legislation:criterion_history", args=["Art.20"])).status_code == 404


def test_the_country_page_keeps_a_constant_query_count_with_pending_changes(client, eddie, erin):
    france = Country.objects.get(iso2="FR")
    url = reverse("admin:legislation_country_change", args=[france.pk])
    client.force_login(eddie)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured.captured_queries)

    propose(erin, "FR", ["ICMEC.1"])
    client.get(url)  # warm up: the first request of a session caches the permissions
    few = queries()
    propose(erin, "FR", ["ICMEC.2", "ICMEC.3", "L18.1.a", "L20.1.a", "L20.1.e", "L24.2"])
    page = client.get(url).text
    assert "Change #" in page and "by erin" in page
    assert queries() == few


def test_the_assessment_list_shows_which_cells_await_review(client, eddie):
    propose(eddie, "FR", ["ICMEC.1"])
    client.force_login(eddie)
    page = client.get(reverse("admin:legislation_assessment_changelist") + "?q=FR")
    assert "?state=pending&amp;country=FR&amp;q=ICMEC.1" in page.text
    assert ">1 change</a>" in page.text


def test_it_keeps_the_selection_and_explains_once_when_a_rejection_has_no_comment(
    client, eddie, reviewer
):
    result = propose(eddie, "FR", ["ICMEC.1"])
    client.force_login(reviewer)
    data = {
        "action": "reject_selected",
        "_selected_action": [result.proposals[0].pk],
        "decide": "yes",
        "comment": "",
    }
    response = client.post(reverse(QUEUE), data)
    body = response.content.decode()
    assert response.status_code == 200  # the same page again, not a redirect to the queue
    assert f'name="_selected_action" value="{result.proposals[0].pk}"' in body
    assert body.count("Say why the change is rejected") == 1
    assert not list(response.context["messages"])


def test_it_shows_an_editor_their_rejected_proposals_with_the_comment(client, eddie, reviewer):
    result = propose(eddie, "FR", ["ICMEC.1"])
    workflow.reject(reviewer, [result.proposals[0].pk], "Cite the article of the Code pénal")
    client.force_login(eddie)
    body = client.get(reverse("admin:index")).content.decode()
    assert "Your rejected proposals" in body
    assert "France – ICMEC.1" in body and "Cite the article of the Code pénal" in body


def test_it_shows_no_rejected_proposals_to_an_editor_who_has_none(client, eddie):
    client.force_login(eddie)
    assert "Your rejected proposals" not in client.get(reverse("admin:index")).content.decode()
