"""Who may read, propose, approve and revert: every admin and editing URL against anonymous,
Viewer, Editor, Reviewer and superuser. The expectations are written out by hand, so a change
of permissions shows up here as a failing row."""

import datetime

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.urls import reverse

from legislation.editorial import evidence, workflow
from legislation.models import (
    Assessment,
    ChangeBatch,
    ChangeProposal,
    Country,
    CountryGroup,
    Criterion,
    EvidenceProposal,
    Framework,
    LegalInstrument,
    Provision,
    PublishedFigure,
    PublishedRating,
    Release,
    Source,
    TreatyParticipation,
)
from legislation.releases import package
from legislation.statuses import Status

from .factories import assess, cell, make_instrument, make_provision, make_source, make_user

pytestmark = pytest.mark.usefixtures("reference_data")

ROLES = ["anonymous", "viewer", "editor", "reviewer", "superuser"]
STAFF = {"viewer", "editor", "reviewer", "superuser"}
NOBODY = set()

# model: (who may read [list, change form, history], who may open "add", who may delete)
ADMIN_MODELS = {
    Country: (STAFF, NOBODY, NOBODY),
    Assessment: (STAFF, NOBODY, NOBODY),
    LegalInstrument: (STAFF, {"editor", "superuser"}, {"superuser"}),
    Provision: (STAFF, {"editor", "superuser"}, {"superuser"}),
    Source: (STAFF, {"editor", "superuser"}, {"superuser"}),
    TreatyParticipation: (STAFF, {"editor", "superuser"}, {"superuser"}),
    Framework: (STAFF, {"superuser"}, NOBODY),
    Criterion: (STAFF, {"superuser"}, NOBODY),
    CountryGroup: (STAFF, {"superuser"}, NOBODY),
    PublishedFigure: (STAFF, {"superuser"}, NOBODY),
    PublishedRating: (STAFF, {"superuser"}, NOBODY),
    ChangeProposal: (STAFF, NOBODY, NOBODY),
    ChangeBatch: (STAFF, NOBODY, NOBODY),
    # Publishers (not a role here) may cut releases too; nobody may delete one.
    Release: (STAFF, {"superuser"}, NOBODY),
    EvidenceProposal: (STAFF, NOBODY, NOBODY),
    User: ({"superuser"}, {"superuser"}, {"superuser"}),
    Group: ({"superuser"}, {"superuser"}, {"superuser"}),
}


def login(client, role):
    if role == "anonymous":
        return None
    groups = {"viewer": ["Viewers"], "editor": ["Editors"], "reviewer": ["Reviewers"]}
    user = make_user(f"{role}-user", groups=groups.get(role, []), is_superuser=role == "superuser")
    client.force_login(user)
    return user


def instance_of(model):
    france = Country.objects.get(iso2="FR")
    if model is Country:
        return france
    if model is Assessment:
        return cell(france, "ICMEC.1")
    if model is LegalInstrument:
        return make_instrument(france)
    if model is Provision:
        return make_provision(make_instrument(france))
    if model is Source:
        return make_source()
    if model is EvidenceProposal:
        return pending_evidence_proposal()
    if model in (ChangeProposal, ChangeBatch):
        proposal = pending_proposal()
        return proposal if model is ChangeProposal else proposal.batch
    if model is User:
        return make_user("someone")
    if model is Release:
        return package.create_release("1.0.0", "First")
    return model.objects.first()


def pending_proposal(author=None, code="ICMEC.2"):
    author = author or make_user(f"author-{code}", groups=["Editors"])
    target = cell(Country.objects.get(iso2="DE"), code)
    result = workflow.propose(
        author,
        "Desk review",
        [
            workflow.Change(
                assessment=target,
                base_version=target.version,
                values={
                    "status": Status.MET,
                    "as_of": datetime.date(2024, 1, 1),
                    "as_of_precision": "day",
                    "evidence_grade": "B",
                    "note": "",
                    "source": make_source(),
                },
            )
        ],
    )
    return result.proposals[0]


def pending_evidence_proposal():
    """A retitling of a source an approved cell cites, awaiting review."""
    source = make_source(title="Desk review of the Penal Code")
    assess(Country.objects.get(iso2="DE"), "ICMEC.3", Status.MET, source=source)
    author = make_user("evidence-author", groups=["Editors"])
    submission = evidence.submit(
        author,
        source,
        {"title": "Desk review of the Penal Code, 2024 update"},
        "Retitled",
        evidence.latest_entry(source).history_id,
    )
    return submission.proposal


def outcome(response):
    if response.status_code == 302 and "/admin/login/" in response["Location"]:
        return "login"
    if response.status_code == 403:
        return "denied"
    assert response.status_code in (200, 302), response.status_code
    return "allowed"


def expected(role, allowed):
    if role == "anonymous":
        return "login"
    return "allowed" if role in allowed else "denied"


# Sign-in security's own admin pages (lockouts, authenticator devices): superusers only,
# tested in tests/test_staff_auth.py.
SECURITY_APPS = {"axes", "otp_totp"}


def test_it_covers_every_model_registered_in_the_admin():
    registered = {m for m in admin.site._registry if m._meta.app_label not in SECURITY_APPS}
    assert registered == set(ADMIN_MODELS), (
        "Add the new admin model to ADMIN_MODELS with who may read, add and delete it."
    )


def test_the_admin_index_is_for_staff_only(client):
    for role in ROLES:
        client.logout()
        login(client, role)
        assert outcome(client.get(reverse("admin:index"))) == expected(role, STAFF), role


@pytest.mark.parametrize("model", ADMIN_MODELS, ids=lambda m: m.__name__)
@pytest.mark.parametrize("role", ROLES)
def test_who_may_read_each_admin_page(client, model, role):
    readers, _, _ = ADMIN_MODELS[model]
    obj = instance_of(model)
    login(client, role)
    info = (model._meta.app_label, model._meta.model_name)
    for url in [
        reverse("admin:{}_{}_changelist".format(*info)),
        reverse("admin:{}_{}_change".format(*info), args=[obj.pk]),
        reverse("admin:{}_{}_history".format(*info), args=[obj.pk]),
    ]:
        assert outcome(client.get(url)) == expected(role, readers), url


@pytest.mark.parametrize("model", ADMIN_MODELS, ids=lambda m: m.__name__)
@pytest.mark.parametrize("role", ROLES)
def test_who_may_add_and_delete_in_the_admin(client, model, role):
    _, adders, deleters = ADMIN_MODELS[model]
    obj = instance_of(model)
    login(client, role)
    info = (model._meta.app_label, model._meta.model_name)
    add = client.get(reverse("admin:{}_{}_add".format(*info)))
    assert outcome(add) == expected(role, adders)
    delete = client.get(reverse("admin:{}_{}_delete".format(*info), args=[obj.pk]))
    # A model nobody may delete answers 403 to staff (Django redirects nobody).
    assert outcome(delete) == expected(role, deleters)


PROPOSERS = {"editor", "superuser"}
REVIEWERS = {"reviewer", "superuser"}


def assessment_post(target, **extra):
    return {
        "status": Status.MET,
        "as_of": "2024-02-01",
        "as_of_precision": "day",
        "evidence_grade": "B",
        "source": make_source().pk,
        "note": "",
        "change_reason": "Read the law",
        "reason_code": "new_evidence",
        "base_version": target.version,
        **extra,
    }


@pytest.mark.parametrize("role", ROLES)
def test_who_may_propose_from_the_assessment_form(client, role):
    target = cell(Country.objects.get(iso2="FR"), "ICMEC.1")
    login(client, role)
    url = reverse("admin:legislation_assessment_change", args=[target.pk])
    response = client.post(url, assessment_post(target))
    assert outcome(response) == expected(role, PROPOSERS)
    assert ChangeProposal.objects.exists() == (role in PROPOSERS)
    assert cell(Country.objects.get(iso2="FR"), "ICMEC.1").status == Status.NOT_ASSESSED


@pytest.mark.parametrize("role", ROLES)
def test_who_may_propose_from_the_country_page(client, role):
    from .scenarios import inline_post_data

    singapore = Country.objects.get(iso2="SG")
    login(client, role)
    response = client.post(
        reverse("admin:legislation_country_change", args=[singapore.pk]),
        inline_post_data(singapore, {"ICMEC.4": {"note": "s 377BK"}}),
    )
    assert outcome(response) == expected(role, PROPOSERS)
    assert ChangeProposal.objects.exists() == (role in PROPOSERS)


@pytest.mark.parametrize("role", ROLES)
def test_who_may_propose_a_revert_from_the_history(client, role):
    target = cell(Country.objects.get(iso2="SG"), "ICMEC.2")
    seeded = target.history.first()
    login(client, role)
    url = reverse("admin:legislation_assessment_simple_history", args=[target.pk, seeded.pk])
    data = assessment_post(target, status=Status.NOT_ASSESSED, source="", evidence_grade="")
    response = client.post(url, data)
    assert outcome(response) == expected(role, PROPOSERS)
    assert ChangeProposal.objects.exists() == (role in PROPOSERS)


@pytest.mark.parametrize("role", ROLES)
def test_who_may_open_the_import(client, role):
    login(client, role)
    response = client.get(reverse("admin:legislation_assessment_import"))
    assert outcome(response) == expected(role, PROPOSERS)


@pytest.mark.parametrize("role", ROLES)
def test_who_may_download_the_import_template(client, role):
    login(client, role)
    response = client.get(reverse("admin:legislation_assessment_import_template"))
    assert outcome(response) == expected(role, STAFF)


@pytest.mark.parametrize("action", ["approve_selected", "reject_selected"])
@pytest.mark.parametrize("role", ROLES)
def test_who_may_approve_or_reject(client, role, action):
    proposal = pending_proposal()
    login(client, role)
    response = client.post(
        reverse("admin:legislation_changeproposal_changelist"),
        {
            "action": action,
            "_selected_action": [proposal.pk],
            "decide": "yes",
            "comment": "checked",
        },
    )
    if role == "anonymous":
        assert outcome(response) == "login"
    decided = ChangeProposal.objects.get(pk=proposal.pk).state != "pending"
    assert decided == (role in REVIEWERS), role


@pytest.mark.parametrize("role", ROLES)
def test_who_may_propose_reverting_a_batch(client, role):
    proposal = pending_proposal()
    workflow.approve(make_user("approver", groups=["Reviewers"]), [proposal.pk])
    login(client, role)
    response = client.post(
        reverse("admin:legislation_changebatch_changelist"),
        {
            "action": "propose_revert",
            "_selected_action": [proposal.batch_id],
            "decide": "yes",
            "reason": "Wrong reading",
            "reason_code": "error_corrected",
        },
    )
    if role == "anonymous":
        assert outcome(response) == "login"
    assert ChangeBatch.objects.filter(kind="revert").exists() == (role in PROPOSERS), role


@pytest.mark.parametrize("role", ROLES)
def test_who_may_read_the_history_pages(client, role):
    login(client, role)
    for url in [
        reverse("legislation:country_history", args=["fr"]),
        reverse("legislation:criterion_history", args=["ICMEC.1"]),
    ]:
        assert outcome(client.get(url)) == expected(role, STAFF), url


def test_the_groups_are_distinct():
    editors = set(Group.objects.get(name="Editors").permissions.values_list("codename", flat=True))
    reviewers = set(
        Group.objects.get(name="Reviewers").permissions.values_list("codename", flat=True)
    )
    assert "review_changeproposal" in reviewers and "review_changeproposal" not in editors
    assert "change_assessment" in editors and "change_assessment" not in reviewers
