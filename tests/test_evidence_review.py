"""Two people for the evidence too: a change to a source, instrument or provision that an
approved cell cites reaches the public only when a Reviewer other than its author approves it."""

import io
import re
import threading
from urllib.parse import urlsplit

import docx
import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from legislation.editorial import evidence, workflow
from legislation.models import Country, EvidenceProposal, LegalInstrument, Provision, Source
from legislation.statuses import Status

from .factories import assess, make_instrument, make_provision, make_source, make_user

pytestmark = pytest.mark.usefixtures("reference_data")

OLD_TITLE = "Desk review of the Anti-Child Pornography Act"
NEW_TITLE = "Desk review of the Anti-OSAEC and Anti-CSAEM Act"

# Every public view that names a cell's source: pages, downloads and reports.
SOURCE_SHOWN_ON = [
    "/countries/ph/",
    "/countries/ph/gaps/",
    "/countries/ph/gaps.docx",
    "/compare/?q=Philippines",
    "/compare/?q=Philippines&_export=csv&shape=long",
    "/compare/?q=Philippines&_export=json&shape=long",
]
# ... and those that name its provisions' instrument.
INSTRUMENT_SHOWN_ON = [
    "/countries/ph/",
    "/compare/countries/?c=ph&c=th",
    "/compare/?q=Philippines&_export=csv&shape=long",
]


def public_text(client, url):
    client.logout()
    response = client.get(url)
    assert response.status_code == 200, url
    if urlsplit(url).path.endswith(".docx"):  # the address may carry ?as_of=
        document = docx.Document(io.BytesIO(response.content))
        cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
        return "\n".join([p.text for p in document.paragraphs] + cells)
    return response.content.decode()


@pytest.fixture
def cited():
    """The Philippines' ICMEC.1, approved as met, citing a source and a provision."""
    philippines = Country.objects.get(iso2="PH")
    source = make_source(title=OLD_TITLE, url="https://example.org/old-review")
    instrument = make_instrument(philippines, title="Anti-Child Pornography Act", year=2009)
    provision = make_provision(instrument, reference="Sec. 4")
    cell = assess(philippines, "ICMEC.1", Status.MET, source=source)
    cell.provisions.add(provision)
    return source


def seen_history(client, url):
    return re.search(r'name="seen_history" value="(\d*)"', client.get(url).text).group(1)


def source_form(source, seen, **values):
    return {
        "title": source.title,
        "publisher": source.publisher,
        "year": source.year or "",
        "url": source.url,
        "page": source.page,
        "note": source.note,
        "change_reason": "The review was redone on the 2022 Act",
        "seen_history": seen,
        **values,
    }


def edit_source(client, user, source, **values):
    """Open the source's admin form as `user` and save it with `values`."""
    url = reverse("admin:legislation_source_change", args=[source.pk])
    client.force_login(user)
    return client.post(url, source_form(source, seen_history(client, url), **values))


def queue_decision(client, reviewer, action, proposal, comment=""):
    client.force_login(reviewer)
    return client.post(
        reverse("admin:legislation_evidenceproposal_changelist"),
        {
            "action": action,
            "_selected_action": [proposal.pk],
            "decide": "yes",
            "comment": comment,
        },
    )


def test_it_turns_an_edit_of_a_cited_source_into_a_proposal(client, cited, editor):
    response = edit_source(client, editor, cited, title=NEW_TITLE)
    assert response.status_code == 302
    proposal = EvidenceProposal.objects.get()
    assert (proposal.source, proposal.author, proposal.state) == (cited, editor, "pending")
    assert evidence.proposal_diff(proposal) == [("title", OLD_TITLE, NEW_TITLE)]
    cited.refresh_from_db()
    assert cited.title == OLD_TITLE


@pytest.mark.parametrize("url", SOURCE_SHOWN_ON)
def test_it_keeps_a_pending_source_edit_off_the_public_views(client, cited, editor, url):
    edit_source(client, editor, cited, title=NEW_TITLE, url="https://example.org/new-review")
    text = public_text(client, url)
    assert OLD_TITLE in text
    assert NEW_TITLE not in text and "new-review" not in text


@pytest.mark.parametrize("url", SOURCE_SHOWN_ON)
def test_it_publishes_a_source_edit_once_another_reviewer_approves_it(
    client, cited, editor, reviewer, url
):
    public_text(client, url)  # rendered (and cached) before the approval
    edit_source(client, editor, cited, title=NEW_TITLE)
    queue_decision(client, reviewer, "approve_selected", EvidenceProposal.objects.get())
    assert EvidenceProposal.objects.get().state == "approved"
    text = public_text(client, url)
    assert NEW_TITLE in text and OLD_TITLE not in text


@pytest.mark.parametrize("url", INSTRUMENT_SHOWN_ON)
def test_it_reviews_an_edit_of_an_instrument_whose_provision_a_cell_cites(
    client, cited, editor, reviewer, url
):
    instrument = LegalInstrument.objects.get(title="Anti-Child Pornography Act")
    change_url = reverse("admin:legislation_legalinstrument_change", args=[instrument.pk])
    client.force_login(editor)
    seen = seen_history(client, change_url)
    data = {
        "country": instrument.country_id,
        "title": "Act No. 9775 of the Republic",
        "year": 2009,
        "change_reason": "Cite the Act by its number",
        "seen_history": seen,
    }
    assert client.post(change_url, data).status_code == 302
    assert "Act No. 9775 of the Republic" not in public_text(client, url)

    evidence.approve(reviewer, [EvidenceProposal.objects.get().pk])
    assert "Act No. 9775 of the Republic" in public_text(client, url)


def test_it_reviews_an_edit_of_a_cited_provision(client, cited, editor, reviewer):
    provision = Provision.objects.get(reference="Sec. 4")
    url = reverse("admin:legislation_provision_change", args=[provision.pk])
    client.force_login(editor)
    data = {
        "instrument": provision.instrument_id,
        "reference": "Sec. 4(a)",
        "excerpt": "",
        "url": "",
        "change_reason": "The paragraph relied on",
        "seen_history": seen_history(client, url),
    }
    assert client.post(url, data).status_code == 302
    assert "Sec. 4(a)" not in public_text(client, "/countries/ph/")
    evidence.approve(reviewer, [EvidenceProposal.objects.get().pk])
    assert "Sec. 4(a)" in public_text(client, "/countries/ph/")


def test_it_refuses_the_author_approving_their_own_evidence_change(client, cited):
    both = make_user("bea", groups=["Editors", "Reviewers"])
    edit_source(client, both, cited, title=NEW_TITLE)
    response = queue_decision(client, both, "approve_selected", EvidenceProposal.objects.get())
    # The confirmation page again, the selection kept, the refusal explained once.
    assert response.status_code == 200
    assert response.content.decode().count("is your own change: another Reviewer must") == 1
    assert EvidenceProposal.objects.get().state == "pending"
    assert Source.objects.get(pk=cited.pk).title == OLD_TITLE


def test_it_leaves_the_source_unchanged_when_the_change_is_rejected(
    client, cited, editor, reviewer
):
    edit_source(client, editor, cited, title=NEW_TITLE)
    queue_decision(client, reviewer, "reject_selected", EvidenceProposal.objects.get(), "Not so")
    proposal = EvidenceProposal.objects.get()
    assert (proposal.state, proposal.reviewed_by, proposal.review_comment) == (
        "rejected",
        reviewer,
        "Not so",
    )
    assert Source.objects.get(pk=cited.pk).title == OLD_TITLE
    assert OLD_TITLE in public_text(client, "/countries/ph/")


def test_it_needs_a_comment_to_reject_an_evidence_change(cited, editor, reviewer):
    submission = evidence.submit(
        editor, cited, {"title": NEW_TITLE}, "Retitled", evidence.latest_entry(cited).history_id
    )
    with pytest.raises(workflow.WorkflowError, match="Say why the change is rejected"):
        evidence.reject(reviewer, [submission.proposal.pk], "  ")


def test_it_records_author_reviewer_and_reason_in_the_source_history(cited, editor, reviewer):
    reason = "The review was redone on the 2022 Act, " * 6  # longer than 100 characters
    submission = evidence.submit(
        editor, cited, {"title": NEW_TITLE}, reason, evidence.latest_entry(cited).history_id
    )
    evidence.approve(reviewer, [submission.proposal.pk])
    entry = evidence.latest_entry(cited)
    assert (entry.title, entry.history_user, entry.proposed_by) == (NEW_TITLE, reviewer, editor)
    assert entry.history_change_reason == reason.strip()
    assert entry.evidence_proposal_id == submission.proposal.pk
    assert entry.prev_record.title == OLD_TITLE


def test_it_saves_an_edit_of_an_uncited_source_at_once_with_its_history(client, editor):
    source = make_source(title="A review no cell cites yet")
    response = edit_source(client, editor, source, title="A review, corrected")
    assert response.status_code == 302
    assert not EvidenceProposal.objects.exists()
    assert Source.objects.get(pk=source.pk).title == "A review, corrected"
    entry = evidence.latest_entry(source)
    assert (entry.history_user, entry.history_change_reason) == (
        editor,
        "The review was redone on the 2022 Act",
    )


def test_it_refuses_a_stale_save_of_a_source_naming_who_changed_it(client, eddie, erin):
    source = make_source(title="A review no cell cites yet")
    url = reverse("admin:legislation_source_change", args=[source.pk])
    client.force_login(erin)
    opened = seen_history(client, url)
    edit_source(client, eddie, source, note="eddie's note")

    client.force_login(erin)
    response = client.post(url, source_form(source, opened, note="erin's note"))
    assert response.status_code == 200
    assert "eddie changed this record on" in response.text
    assert "The review was redone on the 2022 Act" in response.text
    assert Source.objects.get(pk=source.pk).note == "eddie's note"


def test_it_refuses_a_stale_proposal_naming_the_approved_change(
    client, cited, eddie, erin, reviewer
):
    url = reverse("admin:legislation_source_change", args=[cited.pk])
    client.force_login(erin)
    opened = seen_history(client, url)
    edit_source(client, eddie, cited, title=NEW_TITLE)
    evidence.approve(reviewer, [EvidenceProposal.objects.get().pk])

    client.force_login(erin)
    response = client.post(url, source_form(cited, opened, page="p. 12"))
    assert response.status_code == 200
    assert "eddie (approved by rita) changed this record on" in response.text
    assert EvidenceProposal.objects.count() == 1


def test_it_refuses_a_second_editors_change_while_one_awaits_review(client, cited, eddie, erin):
    edit_source(client, eddie, cited, title=NEW_TITLE)
    response = edit_source(client, erin, cited, page="p. 12")
    assert response.status_code == 200
    assert "already has a change awaiting review: evidence change" in response.text
    assert f"by eddie (title: {OLD_TITLE} → {NEW_TITLE})" in response.text
    assert EvidenceProposal.objects.get().author == eddie


def test_it_replaces_the_authors_own_pending_change(cited, editor):
    first = evidence.submit(
        editor, cited, {"title": NEW_TITLE}, "Retitled", evidence.latest_entry(cited).history_id
    )
    second = evidence.submit(
        editor, cited, {"title": NEW_TITLE + " (2022)"}, "Retitled", first.proposal.base_history_id
    )
    first.proposal.refresh_from_db()
    assert first.proposal.state == "superseded"
    assert second.proposal.state == "pending"


def test_it_refuses_to_approve_a_change_made_on_an_older_version(cited, eddie, erin, reviewer):
    seen = evidence.latest_entry(cited).history_id
    stale = evidence.submit(eddie, cited, {"title": NEW_TITLE}, "Retitled", seen).proposal
    evidence.reject(reviewer, [stale.pk], "Wrong title")
    newer = evidence.submit(erin, cited, {"page": "p. 3"}, "Page", seen).proposal
    evidence.approve(reviewer, [newer.pk])
    EvidenceProposal.objects.filter(pk=stale.pk).update(state="pending")  # as if reopened

    with pytest.raises(workflow.WorkflowError, match="since changed: erin \\(approved by rita\\)"):
        evidence.approve(reviewer, [stale.pk])
    assert Source.objects.get(pk=cited.pk).title == OLD_TITLE


def test_it_refuses_moving_a_cited_provision_to_another_countrys_law(cited, editor):
    provision = Provision.objects.get(reference="Sec. 4")
    thai_law = make_instrument(Country.objects.get(iso2="TH"))
    with pytest.raises(workflow.WorkflowError, match="cannot move to another country's law"):
        evidence.submit(
            editor,
            provision,
            {"instrument_id": thai_law.pk},
            "Moved",
            evidence.latest_entry(provision).history_id,
        )


def test_it_turns_a_revert_from_a_cited_sources_history_into_a_proposal(
    client, cited, editor, reviewer
):
    first = evidence.latest_entry(cited)
    evidence.approve(
        reviewer,
        [
            evidence.submit(
                editor, cited, {"title": NEW_TITLE}, "Retitled", first.history_id
            ).proposal.pk
        ],
    )
    client.force_login(editor)
    url = reverse("admin:legislation_source_simple_history", args=[cited.pk, first.history_id])
    seen = seen_history(client, url)
    response = client.post(url, source_form(Source.objects.get(pk=cited.pk), seen, title=OLD_TITLE))
    assert response.status_code == 302
    revert = EvidenceProposal.objects.pending().get()
    assert evidence.proposal_diff(revert) == [("title", NEW_TITLE, OLD_TITLE)]
    assert Source.objects.get(pk=cited.pk).title == NEW_TITLE


def test_it_lists_pending_evidence_changes_on_the_cells_review_queue(
    client, cited, editor, reviewer
):
    edit_source(client, editor, cited, title=NEW_TITLE)
    client.force_login(reviewer)
    page = client.get(reverse("admin:legislation_changeproposal_changelist"))
    assert "Evidence changes awaiting review (1)" in page.text
    assert f"<del>{OLD_TITLE}</del> → <ins>{NEW_TITLE}</ins>" in page.text
    assert "eddie" in page.text and "The review was redone on the 2022 Act" in page.text


def test_it_shows_the_pending_change_on_the_sources_admin_page(client, cited, editor, reviewer):
    edit_source(client, editor, cited, title=NEW_TITLE)
    client.force_login(reviewer)
    page = client.get(reverse("admin:legislation_source_change", args=[cited.pk]))
    assert f"<del>{OLD_TITLE}</del> → <ins>{NEW_TITLE}</ins>" in page.text
    assert "1 approved cell: changes need a Reviewer" in page.text


def test_it_keeps_the_review_queues_query_count_constant(client, editor, reviewer):
    def queries(url):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured.captured_queries)

    def propose_retitles(count):
        philippines = Country.objects.get(iso2="PH")
        for n in range(count):
            source = make_source()
            assess(philippines, f"ICMEC.{n % 5 + 1}", Status.MET, source=source)
            seen = evidence.latest_entry(source).history_id
            evidence.submit(editor, source, {"title": f"{source.title}, retitled"}, "r", seen)

    queues = [
        reverse("admin:legislation_changeproposal_changelist"),
        reverse("admin:legislation_evidenceproposal_changelist"),
    ]
    propose_retitles(2)
    client.force_login(reviewer)
    few = [queries(url) for url in queues]
    propose_retitles(12)
    assert EvidenceProposal.objects.pending().count() == 14
    assert [queries(url) for url in queues] == few


def test_it_never_shows_an_evidence_authors_or_reviewers_name_in_public(client, cited):
    author = make_user("evidence-author-zq", groups=["Editors"])
    checker = make_user("evidence-reviewer-zq", groups=["Reviewers"])
    edit_source(client, author, cited, title=NEW_TITLE)
    queue_decision(client, checker, "approve_selected", EvidenceProposal.objects.get())
    for url in SOURCE_SHOWN_ON + INSTRUMENT_SHOWN_ON:
        text = public_text(client, url)
        assert NEW_TITLE in text or url in INSTRUMENT_SHOWN_ON
        for user in User.objects.filter(pk__in=[author.pk, checker.pk]):
            assert user.username not in text, url


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks need PostgreSQL; SQLite has none"
)
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("cited_by_a_cell", [True, False], ids=["proposal", "direct"])
def test_it_lets_exactly_one_of_two_simultaneous_saves_win(reference_data, cited_by_a_cell):
    source = make_source(title="Raced review")
    if cited_by_a_cell:
        assess(Country.objects.get(iso2="FR"), "ICMEC.3", Status.MET, source=source)
    seen = evidence.latest_entry(source).history_id
    eddie = make_user("eddie3", groups=["Editors"])
    erin = make_user("erin3", groups=["Editors"])
    titles = {"eddie3": "Eddie's title", "erin3": "Erin's title"}
    barrier = threading.Barrier(2)
    outcomes = {}

    def save(user):
        from django.db import connection as thread_connection

        try:
            barrier.wait(timeout=10)
            evidence.submit(user, source, {"title": titles[user.username]}, "race", seen)
            outcomes[user.username] = "saved"
        except workflow.WorkflowError as error:
            outcomes[user.username] = error.messages[0]
        finally:
            thread_connection.close()

    threads = [
        threading.Thread(target=save, args=(eddie,)),
        threading.Thread(target=save, args=(erin,)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes.values()).count("saved") == 1, outcomes
    winner = next(name for name, outcome in outcomes.items() if outcome == "saved")
    loser = next(outcome for outcome in outcomes.values() if outcome != "saved")
    if cited_by_a_cell:
        assert "awaiting review: evidence change #" in loser and f"by {winner}" in loser
        assert EvidenceProposal.objects.get().author.username == winner
        assert Source.objects.get(pk=source.pk).title == "Raced review"
    else:
        assert f"{winner} changed this record on" in loser
        assert not EvidenceProposal.objects.exists()
        assert Source.objects.get(pk=source.pk).title == titles[winner]


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite has no row locks to refuse outside one"
)
@pytest.mark.django_db(transaction=True)
def test_it_proposes_a_revert_from_the_history_outside_a_test_transaction(client, reference_data):
    # Without the test's own transaction, the revert form's lock needs the view's.
    source = make_source(title=OLD_TITLE)
    assess(Country.objects.get(iso2="PH"), "ICMEC.1", Status.MET, source=source)
    first = evidence.latest_entry(source)
    editor = make_user("eddie4", groups=["Editors"])
    reviewer = make_user("rita4", groups=["Reviewers"])
    retitle = evidence.submit(editor, source, {"title": NEW_TITLE}, "Retitled", first.history_id)
    evidence.approve(reviewer, [retitle.proposal.pk])

    client.force_login(editor)
    url = reverse("admin:legislation_source_simple_history", args=[source.pk, first.history_id])
    current = Source.objects.get(pk=source.pk)
    response = client.post(url, source_form(current, seen_history(client, url), title=OLD_TITLE))
    assert response.status_code == 302
    assert EvidenceProposal.objects.pending().get().after["values"]["title"] == OLD_TITLE


def test_it_refuses_a_provision_pointing_at_no_instrument_clearly(cited, editor):
    provision = Provision.objects.get(reference="Sec. 4")
    with pytest.raises(workflow.WorkflowError, match="Sec. 4”: .*is not a valid choice"):
        evidence.submit(
            editor,
            provision,
            {"instrument_id": 999999},
            "Moved",
            evidence.latest_entry(provision).history_id,
        )


def test_it_asks_the_reviewer_to_confirm_with_the_diff_before_approving(
    client, cited, editor, reviewer
):
    edit_source(client, editor, cited, title=NEW_TITLE)
    client.force_login(reviewer)
    page = client.post(
        reverse("admin:legislation_evidenceproposal_changelist"),
        {"action": "approve_selected", "_selected_action": [EvidenceProposal.objects.get().pk]},
    )
    assert page.status_code == 200
    assert "Approve 1 evidence change?" in page.text
    assert f"<del>{OLD_TITLE}</del> → <ins>{NEW_TITLE}</ins>" in page.text
    assert EvidenceProposal.objects.get().state == "pending"
