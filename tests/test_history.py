"""The past stays the past: state at a moment, the change log, reverts that restore exactly."""

import contextlib
import datetime
from unittest import mock

import pytest
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from legislation import history
from legislation.editorial import evidence, workflow
from legislation.matrix import build_summary_matrix
from legislation.models import ChangeBatch, ChangeProposal, Country
from legislation.statuses import ReasonCode, Status

from .factories import cell, make_instrument, make_provision, make_source, make_user

pytestmark = pytest.mark.usefixtures("reference_data")

# Tomorrow at nine: after the reference load the session's database starts with.
START = (datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1)).replace(
    hour=9, minute=0, second=0, microsecond=0
)


class Clock:
    """A stand-in for `timezone.now` that only moves when told to."""

    def __init__(self, start=START):
        self.now = start

    def __call__(self):
        return self.now

    def advance(self, **delta):
        self.now += datetime.timedelta(**delta)


@pytest.fixture
def clock():
    clock = Clock()
    with mock.patch("django.utils.timezone.now", clock):
        yield clock


@pytest.fixture
def ph():
    return Country.objects.get(iso2="PH")


def met_with(target, provisions, note="", source=None):
    return workflow.Change(
        assessment=target,
        base_version=target.version,
        values={
            "status": Status.MET,
            "as_of": datetime.date(2022, 7, 28),
            "as_of_precision": "day",
            "evidence_grade": "B",
            "note": note,
            "source": source or make_source(),
        },
        provisions=list(provisions),
    )


def approved(editor, reviewer, changes, **kwargs):
    result = workflow.propose(editor, "Checked with Marie at the ministry", changes, **kwargs)
    workflow.approve(reviewer, [p.pk for p in result.proposals])
    return result


def test_it_reads_a_cell_with_no_record_yet_as_absent(ph, clock):
    target = cell(ph, "ICMEC.5")
    before_load = target.history.earliest().history_date - datetime.timedelta(seconds=1)
    assert target.pk not in history.state_at(before_load, country=ph)


def test_it_reads_each_cell_as_its_newest_record_by_the_moment(ph, editor, reviewer, clock):
    target = cell(ph, "ICMEC.5")
    provision = make_provision(make_instrument(ph))
    approved(editor, reviewer, [met_with(target, [provision])])
    approved_at = clock.now
    clock.advance(days=1)
    assert history.state_at(approved_at - datetime.timedelta(seconds=1))[target.pk].status == (
        Status.NOT_ASSESSED
    )
    state = history.state_at(approved_at)[target.pk]
    assert (state.status, state.provision_ids) == (Status.MET, (provision.pk,))


def test_it_reads_state_in_two_queries_however_many_cells(ph, django_assert_num_queries):
    moment = datetime.datetime.now(datetime.UTC)
    with django_assert_num_queries(2):
        history.state_at(moment, country=ph)
    with django_assert_num_queries(2):
        history.state_at(moment)


def test_it_lists_a_provision_change_in_the_change_log(ph, editor, reviewer, clock):
    target = cell(ph, "ICMEC.5")
    provision = make_provision(make_instrument(ph, title="Anti-Child Pornography Act"))
    approved(editor, reviewer, [met_with(target, [provision])])
    (change,) = history.changes_between(country=ph, criterion=target.criterion)
    assert ("provisions", "—", str(provision)) in change.changes


def test_it_keeps_changes_outside_the_window_out(ph, editor, reviewer, clock):
    target = cell(ph, "ICMEC.5")
    approved(editor, reviewer, [met_with(target, [])])
    clock.advance(days=2)
    assert history.changes_between(clock.now - datetime.timedelta(days=1), clock.now) == []
    assert len(history.changes_between(START - datetime.timedelta(hours=1), clock.now)) == 1


def test_it_reverts_a_batch_restoring_the_earlier_provisions(ph, editor, reviewer, clock):
    target = cell(ph, "ICMEC.5")
    first = make_provision(make_instrument(ph))
    approved(editor, reviewer, [met_with(target, [first], note="first reading")])
    clock.advance(hours=1)
    target = cell(ph, "ICMEC.5")
    second = make_provision(make_instrument(ph))
    batch = approved(editor, reviewer, [met_with(target, [second], note="second")]).batch
    clock.advance(hours=1)
    revert = workflow.propose_revert_of_batch(editor, batch, "Second reading was wrong")
    workflow.approve(reviewer, [p.pk for p in revert.proposals])
    target = cell(ph, "ICMEC.5")
    assert list(target.provisions.all()) == [first]
    assert target.note == "first reading"
    assert revert.batch.reason_code == ReasonCode.ERROR_CORRECTED


def test_it_reverts_a_first_assessment_to_citing_nothing(ph, editor, reviewer, clock):
    target = cell(ph, "ICMEC.5")
    provision = make_provision(make_instrument(ph))
    batch = approved(editor, reviewer, [met_with(target, [provision])]).batch
    revert = workflow.propose_revert_of_batch(editor, batch, "Undo")
    workflow.approve(reviewer, [p.pk for p in revert.proposals])
    target = cell(ph, "ICMEC.5")
    assert (target.status, list(target.provisions.all())) == (Status.NOT_ASSESSED, [])


def test_the_revert_form_offers_the_provisions_of_the_past_version(
    client, ph, editor, reviewer, clock
):
    target = cell(ph, "ICMEC.5")
    first = make_provision(make_instrument(ph))
    approved(editor, reviewer, [met_with(target, [first])])
    past = cell(ph, "ICMEC.5").history.latest()
    clock.advance(hours=1)
    approved(editor, reviewer, [met_with(cell(ph, "ICMEC.5"), [])])
    client.force_login(editor)
    url = reverse("admin:legislation_assessment_simple_history", args=[target.pk, past.history_id])
    response = client.get(url)
    assert response.status_code == 200
    assert response.context["adminform"].form.initial["provisions"] == [first.pk]


def test_a_revert_from_a_cells_history_restores_its_provisions(client, ph, editor, reviewer, clock):
    # On PostgreSQL this also proves the form's row locks run inside a transaction.
    target = cell(ph, "ICMEC.5")
    first = make_provision(make_instrument(ph))
    approved(editor, reviewer, [met_with(target, [first])])
    past = cell(ph, "ICMEC.5").history.latest()
    clock.advance(hours=1)
    approved(editor, reviewer, [met_with(cell(ph, "ICMEC.5"), [])])
    client.force_login(editor)
    url = reverse("admin:legislation_assessment_simple_history", args=[target.pk, past.history_id])
    response = client.post(
        url,
        {
            "status": past.status,
            "as_of": past.as_of.isoformat(),
            "as_of_precision": past.as_of_precision,
            "evidence_grade": past.evidence_grade,
            "source": past.source_id,
            "provisions": [first.pk],
            "note": past.note,
            "reason_code": ReasonCode.ERROR_CORRECTED,
            "change_reason": "Back to the first reading",
            "base_version": cell(ph, "ICMEC.5").version,
        },
    )
    assert response.status_code == 302
    proposal = ChangeProposal.objects.pending().get(assessment=target)
    workflow.approve(reviewer, [proposal.pk])
    assert list(cell(ph, "ICMEC.5").provisions.all()) == [first]


def test_the_point_in_time_view_shows_nothing_recorded_after_its_moment(
    client, ph, editor, reviewer, clock
):
    target = cell(ph, "ICMEC.5")
    provision = make_provision(make_instrument(ph, title="Anti-Child Pornography Act"))
    source = make_source(title="Desk review of the Act")
    approved(editor, reviewer, [met_with(target, [provision], source=source)])
    client.force_login(reviewer)
    day_before = (START - datetime.timedelta(days=1)).date().isoformat()
    response = client.get(f"/editorial/history/countries/ph/?on={day_before}")
    rows = {row["cell"].pk: row for row in response.context["rows"]}
    assert rows[target.pk]["values"] == workflow.empty_snapshot()
    table = response.content.decode().split('id="log-heading"')[0]
    assert "Desk review of the Act" not in table and "Anti-Child Pornography" not in table
    assert "28 July 2022" not in table and "2022-07-28" not in table


def test_the_public_change_log_names_no_one(client, ph, editor, reviewer, clock):
    approved(editor, reviewer, [met_with(cell(ph, "ICMEC.5"), [])])
    body = client.get("/countries/ph/").content.decode()
    assert "Marie" not in body  # the internal reason
    assert editor.username not in body and reviewer.username not in body


# ---------------------------------------------------------------------------------------------
# The stateful invariant: the state at any past moment equals what the public read then.

CODES = ["ICMEC.1", "ICMEC.2", "ICMEC.5"]


def public_read(country):
    """What the public pages and downloads read of the country's cells now (or at `at`)."""
    return _read(country, None)


def _read(country, at):
    matrix = build_summary_matrix([country], "icmec", detailed=True, at=at)
    row = matrix.rows[0]
    read = {}
    for code in CODES:
        summary = row.cells.get(code)
        if summary is None or summary.status == Status.NOT_ASSESSED:
            read[code] = (Status.NOT_ASSESSED,)
            continue
        read[code] = (
            summary.status,
            summary.as_of,
            summary.as_of_precision,
            summary.evidence_grade,
            summary.source,
            summary.note,
            tuple(sorted(summary.provisions)),
        )
    return read


class PublishedPast(RuleBasedStateMachine):
    proposals = Bundle("proposals")
    batches = Bundle("batches")

    @initialize()
    def set_up(self):
        self.savepoint = transaction.savepoint()
        self.clock = Clock(START)
        self.patch = mock.patch("django.utils.timezone.now", self.clock)
        self.patch.start()
        self.country = Country.objects.get(iso2="PH")
        self.editor = make_user(groups=["Editors"])
        self.reviewer = make_user(groups=["Reviewers"])
        instrument = make_instrument(self.country)
        self.provisions = [make_provision(instrument) for _ in range(3)]
        self.sources = [make_source() for _ in range(2)]
        self.seen = []  # (moment, what the public read then)
        self.before_batch = {}  # batch id → the public read just before it was approved
        self.look()

    def teardown(self):
        if hasattr(self, "patch"):
            self.patch.stop()
            transaction.savepoint_rollback(self.savepoint)

    def look(self):
        self.seen.append((self.clock.now, public_read(self.country)))
        self.clock.advance(minutes=37)

    @rule(
        target=proposals,
        code=st.sampled_from(CODES),
        status=st.sampled_from([Status.MET, Status.PARTIAL, Status.NOT_MET, Status.NOT_ASSESSED]),
        source=st.integers(0, 1),
        provisions=st.sets(st.integers(0, 2), max_size=3),
        note=st.sampled_from(["", "=SUM(A1)", "covers possession"]),
    )
    def propose(self, code, status, source, provisions, note):
        target = cell(self.country, code)
        assessed = status != Status.NOT_ASSESSED
        values = {
            "status": status,
            "as_of": datetime.date(2024, 5, 1) if assessed else None,
            "as_of_precision": "day",
            "evidence_grade": "B" if assessed else "",
            "note": note,
            "source": self.sources[source] if assessed else None,
        }
        change = workflow.Change(
            target, target.version, values, [self.provisions[i] for i in sorted(provisions)]
        )
        try:
            result = workflow.propose(self.editor, "step", [change])
        except workflow.WorkflowError:
            result = None
        self.look()
        return result.proposals[0].pk if result and result.proposals else None

    @rule(target=batches, proposal=proposals)
    def approve(self, proposal):
        if proposal is None:
            return None
        batch_id = ChangeProposal.objects.get(pk=proposal).batch_id
        before = public_read(self.country)
        try:
            workflow.approve(self.reviewer, [proposal])
        except workflow.WorkflowError:
            self.look()
            return None
        self.before_batch[batch_id] = before
        self.look()
        return batch_id

    @rule(proposal=proposals)
    def reject(self, proposal):
        if proposal is not None:
            with contextlib.suppress(workflow.WorkflowError):
                workflow.reject(self.reviewer, [proposal], "Not convincing")
        self.look()

    @rule(batch=batches)
    def revert(self, batch):
        if batch is None:
            return
        try:
            result = workflow.propose_revert_of_batch(
                self.editor, ChangeBatch.objects.get(pk=batch), "undo"
            )
        except workflow.WorkflowError:
            self.look()
            return
        if result.batch is None:  # every cell already back where it was
            self.look()
            return
        try:
            workflow.approve(self.reviewer, [p.pk for p in result.proposals])
        except workflow.WorkflowError:
            self.look()
            return
        now = public_read(self.country)
        expected = self.before_batch[batch]
        changed = {p.assessment.criterion.code for p in result.proposals}
        for code in changed:
            assert now[code] == expected[code], f"revert of {code} did not restore it exactly"
        self.look()

    @rule(
        kind=st.sampled_from(["source", "provision", "instrument"]),
        which=st.integers(0, 1),
        word=st.sampled_from(["Penal Code", "Act 9775", "Sec. 4(a)"]),
    )
    def reword(self, kind, which, word):
        """An evidence edit: through review when a cell cites the record, else saved at once."""
        record = {
            "source": self.sources[which],
            "provision": self.provisions[which],
            "instrument": self.provisions[0].instrument,
        }[kind]
        record.refresh_from_db()
        name = "reference" if kind == "provision" else "title"
        values = {name: f"{word} ({self.clock.now:%H:%M})"}
        latest = evidence.latest_entry(record)
        try:
            result = evidence.submit(
                self.editor, record, values, "reworded", latest.history_id if latest else None
            )
            if result.proposal is not None:
                evidence.approve(self.reviewer, [result.proposal.pk])
        except workflow.WorkflowError:
            pass
        self.look()

    @invariant()
    def the_past_reads_as_it_was_published(self):
        if not hasattr(self, "seen"):
            return
        for moment, read in self.seen:
            assert _read(self.country, moment) == read, f"the state at {moment} differs"


def test_the_state_at_any_past_moment_is_what_the_public_read_then(db):
    run_state_machine_as_test(
        PublishedPast,
        settings=settings(
            max_examples=12,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )


def test_the_review_queue_diff_shows_a_provision_change(ph, editor):
    from legislation.admin.pending import diff_list

    target = cell(ph, "ICMEC.5")
    provision = make_provision(make_instrument(ph, title="Anti-Child Pornography Act"))
    result = workflow.propose(editor, "Read the Act", [met_with(target, [provision])])
    assert "provisions: <del>—</del> → <ins>Anti-Child Pornography Act" in str(
        diff_list(result.proposals[0])
    )


def test_the_staff_history_page_shows_provision_changes_with_names(client, ph, editor, reviewer):
    provision = make_provision(make_instrument(ph, title="Anti-Child Pornography Act"))
    approved(editor, reviewer, [met_with(cell(ph, "ICMEC.5"), [provision])])
    client.force_login(reviewer)
    body = client.get("/editorial/history/countries/ph/").content.decode()
    log = body.split('id="log-heading"')[1]
    assert "provisions: <del>—</del> → <ins>Anti-Child Pornography Act" in log
    assert editor.username in log and "Checked with Marie at the ministry" in log
