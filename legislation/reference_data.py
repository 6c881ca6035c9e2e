"""Loads the reference data shipped in legislation/data/ into the database.

Safe to run any number of times. Reference facts (countries, groups, frameworks, criteria,
published figures) follow the files. Records editors can change (treaty participation, seed
assessments) are created when missing and refreshed from the files only while no person has
ever changed them, so a re-run never overwrites an editor's work.
"""

import csv
import datetime
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from simple_history.utils import bulk_create_with_history

from legislation.models import (
    Assessment,
    Country,
    CountryGroup,
    Criterion,
    Framework,
    PublishedFigure,
    Source,
    TreatyParticipation,
)
from legislation.statuses import ReasonCode, Status

DATA_DIR = Path(__file__).resolve().parent / "data"
LOADER_REASON = "Reference data loaded from legislation/data/"


def read_csv(name):
    with open(DATA_DIR / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def parse_date(value):
    return datetime.date.fromisoformat(value) if value else None


@dataclass
class LoadReport:
    created: dict = field(default_factory=dict)
    updated: dict = field(default_factory=dict)
    kept: dict = field(default_factory=dict)

    def count(self, kind, what):
        bucket = getattr(self, kind)
        bucket[what] = bucket.get(what, 0) + 1

    def lines(self):
        for kind in ("created", "updated", "kept"):
            for what, n in sorted(getattr(self, kind).items()):
                yield f"{kind} {n} {what}"


def changed_by_a_person(instance):
    """True once anyone signed in has saved this record: from then on it is the editors' data."""
    return instance.history.filter(history_user__isnull=False).exists()


def sync(model, lookup, values, report, what):
    """update_or_create that reports honestly whether anything actually changed."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        report.count("created", what)
        return model.objects.create(**lookup, **values)
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.save(update_fields=changed)
        report.count("updated", what)
    return obj


def load_groups(report):
    return {
        row["slug"]: sync(
            CountryGroup,
            {"slug": row["slug"]},
            {
                "name": row["name"],
                "description": row["description"],
                "source": row["source"],
                "display_order": int(row["display_order"]),
            },
            report,
            "groups",
        )
        for row in read_csv("groups.csv")
    }


def load_countries(report):
    countries = {}
    for row in read_csv("countries.csv"):
        countries[row["iso2"]] = sync(
            Country,
            {"iso2": row["iso2"]},
            {
                "iso3": row["iso3"],
                "iso_numeric": row["iso_numeric"],
                "name": row["name"],
                "official_name": row["official_name"],
                "region": row["region"],
                "subregion": row["subregion"],
                "un_status": row["un_status"],
            },
            report,
            "countries",
        )
    return countries


def load_memberships(groups, countries, report):
    members = {slug: set() for slug in groups}
    for row in read_csv("country_groups.csv"):
        members[row["group"]].add(row["iso2"])
    members["lanzarote"] = {row["iso2"] for row in read_csv("lanzarote_parties.csv")}
    for slug, codes in members.items():
        wanted = {countries[code].pk for code in codes}
        group = groups[slug]
        if set(group.countries.values_list("pk", flat=True)) != wanted:
            group.countries.set(wanted)
            report.count("updated", "group memberships")


def load_frameworks(report):
    frameworks = {}
    for order, row in enumerate(read_csv("frameworks.csv"), start=1):
        frameworks[row["code"]] = sync(
            Framework,
            {"code": row["code"]},
            {
                "name": row["name"],
                "short_name": row["short_name"],
                "publisher": row["publisher"],
                "edition": row["edition"],
                "year": int(row["year"]),
                "url": row["url"],
                "description": row["description"],
                "assessment_note": row["assessment_note"],
                "is_treaty": row["code"] == Framework.LANZAROTE,
                "display_order": order,
            },
            report,
            "frameworks",
        )
    return frameworks


def load_criteria(frameworks, report):
    guidance = {row["code"]: row for row in read_csv("criteria_guidance.csv")}

    def guided(code, values):
        row = guidance[code]
        return {
            **values,
            "must_contain": row["must_contain"],
            "common_gaps": row["common_gaps"],
            "priority": int(row["priority"]) if row["priority"] else None,
            "priority_reason": row["priority_reason"],
        }

    order = 0
    for row in read_csv("icmec_criteria.csv"):
        order += 1
        sync(
            Criterion,
            {"code": row["code"]},
            guided(
                row["code"],
                {
                    "framework": frameworks[Framework.ICMEC],
                    "parent": None,
                    "is_leaf": True,
                    "article": "",
                    "title": row["title"],
                    "summary": row["summary"],
                    "reservation_allowed": Criterion.Reservation.NO,
                    "reservation_article": "",
                    "display_order": order,
                },
            ),
            report,
            "criteria",
        )

    articles = {}
    leaves_by_article = {}
    for row in read_csv("lanzarote_criteria.csv"):
        leaves_by_article.setdefault(row["article"], []).append(row)
    for article in read_csv("lanzarote_articles.csv"):
        number = article["article"]
        order += 1
        code = f"Art.{number}"  # leaves L22 and L23 already use the plain article codes
        articles[number] = sync(
            Criterion,
            {"code": code},
            guided(
                code,
                {
                    "framework": frameworks[Framework.LANZAROTE],
                    "parent": None,
                    "is_leaf": False,
                    "article": number,
                    # The code "Art.20" already names the article; the title does not repeat it.
                    "title": article["title"],
                    "summary": article["title"],
                    "reservation_allowed": Criterion.Reservation.NO,
                    "reservation_article": "",
                    "display_order": order,
                },
            ),
            report,
            "criteria",
        )
        for leaf in leaves_by_article[number]:
            order += 1
            sync(
                Criterion,
                {"code": leaf["code"]},
                guided(
                    leaf["code"],
                    {
                        "framework": frameworks[Framework.LANZAROTE],
                        "parent": articles[number],
                        "is_leaf": True,
                        "article": number,
                        "title": leaf["title"],
                        "summary": leaf["summary"],
                        "reservation_allowed": leaf["reservable"],
                        "reservation_article": leaf["reservation_article"],
                        "display_order": order,
                    },
                ),
                report,
                "criteria",
            )


def load_published_figures(frameworks, report):
    for row in read_csv("icmec_published_figures.csv"):
        sync(
            PublishedFigure,
            {
                "framework": frameworks[Framework.ICMEC],
                "edition": int(row["edition"]),
                "figure": row["figure"],
                "scope": row["scope"],
            },
            {
                "year": int(row["year"]),
                "value": int(row["value"]),
                "meaning": row["meaning"],
                "source": row["source"],
            },
            report,
            "published figures",
        )


def save_with_reason(instance, reason):
    instance._change_reason = reason
    instance.save()


def load_parties(frameworks, countries, report):
    treaty = frameworks[Framework.LANZAROTE]
    for row in read_csv("lanzarote_parties.csv"):
        values = {
            # Tunisia is the only Party that joined by accession (2019); the rest ratified.
            "action": (
                TreatyParticipation.Action.ACCESSION
                if row["iso2"] == "TN"
                else TreatyParticipation.Action.RATIFICATION
            ),
            "signed": parse_date(row["signed"]),
            "ratified": parse_date(row["ratified"]),
            "in_force": parse_date(row["in_force"]),
            "source": row["source"],
            "date_quality": row["date_source_quality"],
        }
        country = countries[row["iso2"]]
        participation = TreatyParticipation.objects.filter(country=country, treaty=treaty).first()
        if participation is None:
            participation = TreatyParticipation(country=country, treaty=treaty, **values)
            save_with_reason(participation, LOADER_REASON)
            report.count("created", "Lanzarote Parties")
            continue
        changed = {k: v for k, v in values.items() if getattr(participation, k) != v}
        if not changed:
            continue
        if changed_by_a_person(participation):
            report.count("kept", "treaty records changed by editors")
            continue
        for name, value in changed.items():
            setattr(participation, name, value)
        save_with_reason(participation, LOADER_REASON)
        report.count("updated", "Lanzarote Parties")


def create_missing_cells(report):
    """Every country × leaf criterion gets a row, "not assessed" until someone verifies it."""
    existing = set(Assessment.objects.values_list("country_id", "criterion_id"))
    missing = [
        Assessment(country_id=country_id, criterion_id=criterion_id)
        for country_id in Country.objects.values_list("pk", flat=True)
        for criterion_id in Criterion.objects.leaves().values_list("pk", flat=True)
        if (country_id, criterion_id) not in existing
    ]
    if missing:
        bulk_create_with_history(
            missing, Assessment, batch_size=1000, default_change_reason=LOADER_REASON
        )
        report.created["not-assessed cells"] = len(missing)


def seed_public_reason(row):
    """What the public change log says of a seed value: what was recorded, and the published
    source that states it (never the file it was loaded from)."""
    text = (
        f"First recorded as {Status(row['status']).label} (as of {row['as_of_year']}), as "
        f"stated by a published source: {row['source']}"
    )
    return text[:500]


def load_seed_assessments(report):
    for row in read_csv("seed_assessments.csv"):
        source, _ = Source.objects.get_or_create(
            title=row["source"],
            page="",
            defaults={
                "publisher": "WePROTECT Global Alliance",
                "year": 2019,
                "note": "Seed value: the source states this cell directly.",
            },
        )
        values = {
            "status": Status(row["status"]),
            # The source gives a year only: 31 December of that year, flagged as year precision.
            "as_of": datetime.date(int(row["as_of_year"]), 12, 31),
            "as_of_precision": Assessment.AsOfPrecision.YEAR,
            "evidence_grade": row["evidence_grade"],
            "source": source,
        }
        cell = Assessment.objects.get(country__iso2=row["iso2"], criterion__code=row["criterion"])
        changed = {k: v for k, v in values.items() if getattr(cell, k) != v}
        if not changed:
            continue
        if changed_by_a_person(cell):
            report.count("kept", "seed cells changed by editors")
            continue
        for name, value in changed.items():
            setattr(cell, name, value)
        cell.version += 1  # an editor holding the old version must not overwrite this
        cell.full_clean()
        cell._reason_code = ReasonCode.FIRST_ASSESSMENT
        cell._public_reason = seed_public_reason(row)
        save_with_reason(cell, f"{LOADER_REASON}seed_assessments.csv")
        report.count("updated", "seed assessments")


EDITOR_MODELS = ["assessment", "legalinstrument", "provision", "source"]
EDITOR_TREATY_MODELS = ["treatyparticipation", "treatyreservation"]


def load_permission_groups(report):
    """Editors change the records that carry legal data (their changes to assessments become
    proposals); Reviewers approve or reject those proposals; Publishers cut data releases;
    Viewers may only look."""
    app_permissions = Permission.objects.filter(content_type__app_label="legislation")
    view = app_permissions.filter(codename__startswith="view_")
    editor_codenames = [f"change_{m}" for m in EDITOR_MODELS + EDITOR_TREATY_MODELS]
    editor_codenames += [f"add_{m}" for m in ["legalinstrument", "provision", "source"]]
    editor_codenames += [f"add_{m}" for m in EDITOR_TREATY_MODELS]
    editor_codenames += ["delete_treatyreservation"]
    # The country page is where editors edit cells in place; its own fields stay read-only.
    editor_codenames += ["change_country"]
    wanted = {
        "Viewers": set(view),
        "Editors": set(view) | set(app_permissions.filter(codename__in=editor_codenames)),
        # Distinct from Editors: a Reviewer checks others' changes and proposes none.
        "Reviewers": set(view) | set(app_permissions.filter(codename="review_changeproposal")),
        # Publishers cut data releases (and nothing else): a release is public and permanent.
        "Publishers": set(view) | set(app_permissions.filter(codename="add_release")),
    }
    for name, permissions in wanted.items():
        group, created = Group.objects.get_or_create(name=name)
        if created:
            report.count("created", "permission groups")
        if set(group.permissions.all()) != permissions:
            group.permissions.set(permissions)
            report.count("updated", "permission groups")


@transaction.atomic
def load_reference_data():
    report = LoadReport()
    groups = load_groups(report)
    countries = load_countries(report)
    load_memberships(groups, countries, report)
    frameworks = load_frameworks(report)
    load_criteria(frameworks, report)
    load_published_figures(frameworks, report)
    load_parties(frameworks, countries, report)
    create_missing_cells(report)
    load_seed_assessments(report)
    load_permission_groups(report)
    return report
