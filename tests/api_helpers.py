"""Shared by the API and release tests: publishing a cell the way the app does (an editor
proposes, a different reviewer approves), with people whose names must never reach the public."""

import datetime

from legislation.editorial import workflow
from legislation.models import Country
from legislation.statuses import ReasonCode, Status

from .factories import cell, make_instrument, make_provision, make_source, make_user

# Distinctive names: no test data or reference file contains them by chance.
EDITOR_NAME = ("Zebulon", "Quartermaine", "zquartermaine")
REVIEWER_NAME = ("Philippa", "Vandersloot", "pvandersloot")


def people():
    first, last, username = EDITOR_NAME
    editor = make_user(username, groups=["Editors"], first_name=first, last_name=last)
    first, last, username = REVIEWER_NAME
    reviewer = make_user(username, groups=["Reviewers"], first_name=first, last_name=last)
    return editor, reviewer


def personal_names():
    return [part for name in (EDITOR_NAME, REVIEWER_NAME) for part in name]


def publish(
    editor,
    reviewer,
    iso2,
    code,
    status=Status.MET,
    *,
    provisions=0,
    note="",
    reason_code=ReasonCode.NEW_EVIDENCE,
    public_reason="",
    **values,
):
    """Propose and approve one cell, for the given reason; returns the approved Assessment."""
    country = Country.objects.get(iso2=iso2)
    assessment = cell(country, code)
    instrument = make_instrument(country, title=f"Penal Code of {country.name}", year=2021)
    linked = [
        make_provision(instrument, reference=f"Art. {n + 1}", url=f"https://law.example/{n}")
        for n in range(provisions)
    ]
    change_values = {
        "status": status,
        "as_of": datetime.date(2024, 6, 30),
        "as_of_precision": "day",
        "evidence_grade": "B",
        "note": note,
        "source": make_source(url="https://source.example/review"),
        **values,
    }
    change = workflow.Change(assessment, assessment.version, change_values, linked)
    result = workflow.propose(
        editor,
        "Desk review 2024",
        [change],
        reason_code=reason_code,
        public_reason=public_reason,
    )
    workflow.approve(reviewer, [p.pk for p in result.proposals], "Checked")
    assessment.refresh_from_db()
    return assessment
