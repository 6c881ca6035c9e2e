import datetime
import io
import json

import pytest
from django.core.management import CommandError, call_command

from legislation.editorial import dataset, evidence, workflow
from legislation.models import Assessment, ChangeProposal, Country
from legislation.statuses import Status

from .factories import cell, make_instrument, make_provision, make_source, make_user

pytestmark = pytest.mark.usefixtures("reference_data")


@pytest.fixture
def edited():
    """A dataset with an approved change (provisions included), a pending one and a rejected
    one, and the same for the evidence they cite, so review state and history are part of the
    round trip."""
    eddie = make_user("eddie", groups=["Editors"], first_name="Eddie")
    rita = make_user("rita", groups=["Reviewers"])
    france = Country.objects.get(iso2="FR")
    provision = make_provision(make_instrument(france, title="Code pénal", year=1992))
    source = make_source(title="Légifrance desk review", page="p. 4")

    def change(code, status):
        target = cell(france, code)
        return workflow.Change(
            assessment=target,
            base_version=target.version,
            values={
                "status": status,
                "as_of": datetime.date(2024, 5, 1),
                "as_of_precision": "month",
                "evidence_grade": "B",
                "note": "Art. 227-23 — «possession»",
                "source": source,
            },
            provisions=[provision],
        )

    approved = workflow.propose(eddie, "approved one", [change("ICMEC.4", Status.MET)])
    workflow.approve(rita, [p.pk for p in approved.proposals], "ok")
    rejected = workflow.propose(eddie, "rejected one", [change("ICMEC.1", Status.PARTIAL)])
    workflow.reject(rita, [p.pk for p in rejected.proposals], "no")
    workflow.propose(eddie, "pending one", [change("ICMEC.2", Status.MET)])
    seen = evidence.latest_entry(source).history_id
    retitle = evidence.submit(eddie, source, {"title": "Légifrance review"}, "shorter", seen)
    evidence.approve(rita, [retitle.proposal.pk], "ok")
    seen = evidence.latest_entry(provision).history_id
    evidence.submit(eddie, provision, {"reference": "Art. 227-23"}, "article", seen)


def comparable(data):
    return {k: v for k, v in json.loads(dataset.dumps(data)).items() if k != "exported_at"}


def test_it_restores_an_identical_dataset_into_an_emptied_database(edited, tmp_path):
    path = tmp_path / "dataset.json"
    dataset.export_dataset(path)
    original = comparable(dataset.read(path))
    assert original["counts"]["legislation.ChangeProposal"] == 3
    assert original["counts"]["legislation.HistoricalAssessment"] > Assessment.objects.count()

    stored = list(Assessment.history.order_by("pk").values_list("pk", "history_date", "note"))
    dataset.clear()
    assert dataset.is_empty()
    dataset.import_dataset(dataset.read(path))

    assert comparable(dataset.collect()) == original
    # Compared in the database too, not only as text: times keep their microseconds.
    assert list(Assessment.history.order_by("pk").values_list("pk", "history_date", "note")) == (
        stored
    )
    restored = cell(Country.objects.get(iso2="FR"), "ICMEC.4")
    assert restored.status == Status.MET
    assert restored.history.first().proposed_by.username == "eddie"
    assert ChangeProposal.objects.get(batch__reason="pending one").state == "pending"


def test_it_refuses_a_database_that_already_holds_data(tmp_path):
    path = tmp_path / "dataset.json"
    dataset.export_dataset(path, history=False)
    with pytest.raises(CommandError, match="already holds data"):
        call_command("import_dataset", str(path), stdout=io.StringIO())


def test_it_replaces_the_data_when_told(edited, tmp_path):
    path = tmp_path / "dataset.json.gz"
    call_command("export_dataset", str(path), stdout=io.StringIO())
    original = comparable(dataset.read(path))
    target = cell(Country.objects.get(iso2="DE"), "ICMEC.3")
    target.note = "changed after the export"
    target.save()
    call_command("import_dataset", str(path), "--replace", stdout=io.StringIO())
    assert comparable(dataset.collect()) == original


def test_it_never_writes_password_hashes(edited, tmp_path):
    path = tmp_path / "dataset.json"
    dataset.export_dataset(path)
    text = path.read_text()
    assert "md5$" not in text and "password" not in text


def test_it_can_leave_the_history_out(tmp_path):
    path = tmp_path / "dataset.json"
    dataset.export_dataset(path, history=False)
    data = dataset.read(path)
    assert data["includes_history"] is False
    assert "legislation.HistoricalAssessment" not in data["counts"]


@pytest.mark.parametrize(
    "content,message",
    [
        ("not json", "not a readable dataset file"),
        ('{"format": "something else"}', "not a dataset file written by export_dataset"),
        ('{"format": "csem-gap-analysis-dataset", "version": 99}', "format version 99"),
    ],
)
def test_it_refuses_a_file_it_does_not_understand(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(CommandError, match=message):
        call_command("import_dataset", str(path), "--replace", stdout=io.StringIO())
    assert Country.objects.count() == 196
