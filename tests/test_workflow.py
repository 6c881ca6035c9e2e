import datetime

import pytest
from django.core.exceptions import PermissionDenied

from legislation.editorial import workflow
from legislation.matrix import build_matrix
from legislation.models import Assessment, ChangeBatch, ChangeProposal, Country
from legislation.statuses import Status

from .factories import cell, make_instrument, make_provision, make_source, make_user

pytestmark = pytest.mark.usefixtures("reference_data")


@pytest.fixture
def other_editor():
    return make_user("erin", groups=["Editors"])


@pytest.fixture
def france():
    return Country.objects.get(iso2="FR")


def change(assessment, status=Status.MET, source=None, provisions=(), **values):
    values = {
        "status": status,
        "as_of": datetime.date(2024, 6, 30),
        "as_of_precision": "day",
        "evidence_grade": "B",
        "note": "",
        "source": source if source is not None else make_source(),
        **values,
    }
    return workflow.Change(
        assessment=assessment,
        base_version=assessment.version,
        values=values,
        provisions=list(provisions),
    )


def propose_one(author, assessment, reason="Desk review 2024", **kwargs):
    return workflow.propose(author, reason, [change(assessment, **kwargs)])


def test_it_keeps_the_public_value_until_a_reviewer_approves(france, editor, reviewer):
    target = cell(france, "ICMEC.4")
    result = propose_one(editor, target)

    matrix = build_matrix(Country.objects.filter(pk=france.pk), "icmec")
    assert matrix.rows[0].status("ICMEC.4") == Status.NOT_ASSESSED
    assert cell(france, "ICMEC.4").status == Status.NOT_ASSESSED

    workflow.approve(reviewer, [p.pk for p in result.proposals], "Checked")
    matrix = build_matrix(Country.objects.filter(pk=france.pk), "icmec")
    assert matrix.rows[0].status("ICMEC.4") == Status.MET


def test_it_refuses_to_let_an_author_approve_their_own_change(france):
    both = make_user("bea", groups=["Editors", "Reviewers"])
    result = propose_one(both, cell(france, "ICMEC.4"))
    with pytest.raises(workflow.WorkflowError, match="your own change"):
        workflow.approve(both, [result.proposals[0].pk])
    assert cell(france, "ICMEC.4").status == Status.NOT_ASSESSED


def test_it_refuses_a_superusers_own_change_too(france):
    admin = make_user("root", is_superuser=True)
    result = propose_one(admin, cell(france, "ICMEC.4"))
    with pytest.raises(workflow.WorkflowError, match="your own change"):
        workflow.approve(admin, [result.proposals[0].pk])
    workflow.approve(make_user("rob", is_superuser=True), [result.proposals[0].pk])
    assert cell(france, "ICMEC.4").status == Status.MET


def test_it_lets_only_reviewers_approve(france, editor, other_editor):
    result = propose_one(editor, cell(france, "ICMEC.4"))
    with pytest.raises(PermissionDenied):
        workflow.approve(other_editor, [result.proposals[0].pk])


def test_it_lets_only_editors_propose(france, reviewer):
    with pytest.raises(PermissionDenied):
        propose_one(reviewer, cell(france, "ICMEC.4"))


def test_it_approves_a_batch_all_or_nothing(france, editor, reviewer):
    mine = make_user("rex", groups=["Editors", "Reviewers"])
    first = propose_one(editor, cell(france, "ICMEC.1"))
    own = propose_one(mine, cell(france, "ICMEC.2"))
    ids = [first.proposals[0].pk, own.proposals[0].pk]
    with pytest.raises(workflow.WorkflowError):
        workflow.approve(mine, ids)
    # The proposal that could have been approved was not: nothing of the batch was applied.
    assert cell(france, "ICMEC.1").status == Status.NOT_ASSESSED
    assert ChangeProposal.objects.filter(pk__in=ids, state="pending").count() == 2


def test_it_records_author_reviewer_reason_and_proposal_in_history(france, editor, reviewer):
    instrument = make_instrument(france, title="Code pénal", year=1992)
    provision = make_provision(instrument, reference="Art. 227-23")
    result = propose_one(
        editor, cell(france, "L20.1.e"), reason="Code pénal read 2024", provisions=[provision]
    )
    workflow.approve(reviewer, [result.proposals[0].pk], "Matches Légifrance")

    record = cell(france, "L20.1.e").history.first()
    assert record.history_user == reviewer
    assert record.proposed_by == editor
    assert record.proposal_id == result.proposals[0].pk
    assert record.history_change_reason == "Code pénal read 2024"
    # One history row holds the whole new value, provisions included.
    assert [row.provision for row in record.provisions.all()] == [provision]
    assert cell(france, "L20.1.e").history.count() == 2
    assert ChangeProposal.objects.get().review_comment == "Matches Légifrance"


def test_it_bumps_the_version_and_names_the_reviewer_on_the_cell(france, editor, reviewer):
    target = cell(france, "ICMEC.4")
    result = propose_one(editor, target)
    workflow.approve(reviewer, [result.proposals[0].pk])
    approved = cell(france, "ICMEC.4")
    assert approved.version == target.version + 1
    assert approved.reviewed_by == reviewer
    assert approved.reviewed_at is not None


def test_it_needs_a_comment_to_reject_and_leaves_the_cell(france, editor, reviewer):
    result = propose_one(editor, cell(france, "ICMEC.4"))
    with pytest.raises(workflow.WorkflowError, match="Say why"):
        workflow.reject(reviewer, [result.proposals[0].pk], "  ")
    workflow.reject(reviewer, [result.proposals[0].pk], "No source for this reading")
    proposal = ChangeProposal.objects.get()
    assert (proposal.state, proposal.reviewed_by) == ("rejected", reviewer)
    assert cell(france, "ICMEC.4").status == Status.NOT_ASSESSED


def test_it_refuses_to_approve_a_proposal_twice(france, editor, reviewer):
    result = propose_one(editor, cell(france, "ICMEC.4"))
    workflow.approve(reviewer, [result.proposals[0].pk])
    with pytest.raises(workflow.WorkflowError, match="not pending"):
        workflow.approve(reviewer, [result.proposals[0].pk])


def test_it_refuses_a_proposal_whose_cell_changed_after_it_was_made(france, editor, reviewer):
    result = propose_one(editor, cell(france, "ICMEC.4"))
    # Someone (here the loader, which writes directly) changes the cell meanwhile.
    target = cell(france, "ICMEC.4")
    target.note = "changed elsewhere"
    target.version += 1
    target._change_reason = "direct"
    target.save()
    with pytest.raises(workflow.WorkflowError, match="has since changed"):
        workflow.approve(reviewer, [result.proposals[0].pk])
    assert cell(france, "ICMEC.4").status == Status.NOT_ASSESSED


def test_it_refuses_invalid_values_naming_the_cell(france, editor):
    with pytest.raises(workflow.WorkflowError, match="not possible for L19.1.c"):
        propose_one(editor, cell(france, "L19.1.c"), status=Status.RESERVED)
    assert not ChangeProposal.objects.exists()


def test_it_proposes_nothing_when_the_value_equals_the_approved_one(france, editor):
    target = cell(france, "ICMEC.4")
    same = workflow.Change(
        assessment=target,
        base_version=target.version,
        values={name: getattr(target, name) for name in workflow.VALUE_FIELDS},
    )
    result = workflow.propose(editor, "no-op", [same])
    assert result.batch is None and result.unchanged == 1
    assert not ChangeBatch.objects.exists()


def test_it_proposes_nothing_new_when_the_same_change_is_proposed_twice(france, editor):
    source = make_source()
    propose_one(editor, cell(france, "ICMEC.4"), source=source)
    again = propose_one(editor, cell(france, "ICMEC.4"), source=source)
    assert again.batch is None
    assert ChangeProposal.objects.count() == 1


def test_it_supersedes_the_authors_own_earlier_proposal(france, editor):
    first = propose_one(editor, cell(france, "ICMEC.4"), status=Status.MET)
    second = propose_one(editor, cell(france, "ICMEC.4"), status=Status.PARTIAL)
    assert ChangeProposal.objects.get(pk=first.proposals[0].pk).state == "superseded"
    assert ChangeProposal.objects.get(pk=second.proposals[0].pk).state == "pending"


def test_it_reverts_an_approved_batch_through_review(france, editor, reviewer):
    cells = [cell(france, "ICMEC.1"), cell(france, "ICMEC.3")]
    before = {c.pk: (c.status, c.source_id, c.note) for c in cells}
    result = workflow.propose(editor, "Batch", [change(c) for c in cells])
    workflow.approve(reviewer, [p.pk for p in result.proposals])
    assert cell(france, "ICMEC.1").status == Status.MET

    revert = workflow.propose_revert_of_batch(editor, result.batch, "Batch was wrong")
    assert revert.batch.kind == "revert" and revert.batch.reverts == result.batch
    assert cell(france, "ICMEC.1").status == Status.MET  # still, until reviewed
    workflow.approve(reviewer, [p.pk for p in revert.proposals])
    for c in cells:
        c = Assessment.objects.get(pk=c.pk)
        assert (c.status, c.source_id, c.note) == before[c.pk]


def test_it_will_not_revert_a_batch_over_a_later_change(france, editor, other_editor, reviewer):
    target = cell(france, "ICMEC.1")
    first = propose_one(editor, target)
    workflow.approve(reviewer, [first.proposals[0].pk])
    later = propose_one(other_editor, cell(france, "ICMEC.1"), status=Status.PARTIAL)
    workflow.approve(reviewer, [later.proposals[0].pk])
    with pytest.raises(workflow.WorkflowError, match="changed again"):
        workflow.propose_revert_of_batch(editor, first.batch, "Undo")
    assert cell(france, "ICMEC.1").status == Status.PARTIAL
