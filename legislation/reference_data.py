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

from legislation import reference_additions as additions
from legislation.models import (
    Assessment,
    Country,
    CountryGroup,
    Criterion,
    Framework,
    LegalInstrument,
    Provision,
    PublishedFigure,
    PublishedRating,
    TreatyParticipation,
    TreatyReservation,
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
    rows = additions.all_figure_rows(
        read_csv("icmec_published_figures.csv"), read_csv("icmec_headline_figures_by_edition.csv")
    )
    for lookup, values in rows:
        sync(
            PublishedFigure,
            {"framework": frameworks[Framework.ICMEC], **lookup},
            values,
            report,
            "published figures",
        )


def save_with_reason(instance, reason):
    instance._change_reason = reason
    instance.save()


def load_parties(frameworks, countries, report):
    treaty = frameworks[Framework.LANZAROTE]
    dated = additions.date_additions(read_csv("lanzarote_dates_additions.csv"))
    listing = {
        row["iso2"]: additions.listing_values(row)
        for row in read_csv("lanzarote_parties_with_reservations_or_declarations_NL_treatydb.csv")
    }
    for row in read_csv("lanzarote_parties.csv"):
        values = {
            # Tunisia is the only Party that joined by accession (2019); the rest ratified.
            "action": (
                TreatyParticipation.Action.ACCESSION
                if row["iso2"] == "TN"
                else TreatyParticipation.Action.RATIFICATION
            ),
            **additions.participation_values(row, dated, listing),
        }
        sources = [values[f"{n}_source"] for n in ("signed", "ratified", "in_force")]
        sources += [values["source"], values["notes"], values.get("listing_source", "")]
        why = additions.reason("Lanzarote Party record", " ".join(sources))
        country = countries[row["iso2"]]
        participation = TreatyParticipation.objects.filter(country=country, treaty=treaty).first()
        if participation is None:
            participation = TreatyParticipation(country=country, treaty=treaty, **values)
            save_with_reason(participation, why)
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
        save_with_reason(participation, why)
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


def seed_public_reason(seed):
    """What the public change log says of a seed value: what was recorded, and the published
    source that states it (never the file it was loaded from)."""
    text = (
        f"First recorded as {Status(seed.status).label} (as of {seed.as_of_year}), as "
        f"stated by a published source: {seed.source['title']}"
    )
    return text[:500]


def load_seed_assessments(report):
    """Cells a published source states directly. Where two sources state the same cell, the
    newest is the cell's source and the note names the older one."""
    statements = [
        *additions.wepro_statements(read_csv("seed_assessments.csv")),
        *additions.asean_statements(read_csv("asean_rahamathulla_2021.csv")),
    ]
    for (iso2, code), (seed, note) in sorted(additions.seed_cells(statements).items()):
        source = additions.source_for(seed.source)
        values = {
            "status": Status(seed.status),
            # The source gives a year only: 31 December of that year, flagged as year precision.
            "as_of": datetime.date(seed.as_of_year, 12, 31),
            "as_of_precision": Assessment.AsOfPrecision.YEAR,
            "evidence_grade": seed.evidence_grade,
            "source": source,
            "note": note,
        }
        cell = Assessment.objects.get(country__iso2=iso2, criterion__code=code)
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
        cell._public_reason = seed_public_reason(seed)
        save_with_reason(cell, additions.reason_for_source("Seed value", source))
        report.count("updated", "seed assessments")


def sync_record(model, lookup, values, report, what, why):
    """Create or refresh a record editors may change, with the reason in its history; a record
    any person has saved is theirs and is kept as it is."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **values)
        save_with_reason(obj, why)
        report.count("created", what)
        return obj, True
    changed = {k: v for k, v in values.items() if getattr(obj, k) != v}
    if not changed:
        return obj, False
    if changed_by_a_person(obj):
        report.count("kept", f"{what} changed by editors")
        return obj, False
    for name, value in changed.items():
        setattr(obj, name, value)
    save_with_reason(obj, why)
    report.count("updated", what)
    return obj, True


def load_reservations(frameworks, report):
    """Reservations, declarations and objections on the Parties' records, with the criteria
    each bears on and whether it covers them wholly or only in part."""
    participations = {
        p.country.iso2: p
        for p in TreatyParticipation.objects.filter(
            treaty=frameworks[Framework.LANZAROTE]
        ).select_related("country")
    }
    criteria = {c.code: c for c in Criterion.objects.leaves()}
    loaded = {}
    rows = additions.reservation_rows(
        read_csv("lanzarote_reservations_declarations.csv"),
        read_csv("lanzarote_reservation_criteria.csv"),
    )
    for row in rows:
        participation = participations[row.iso2]
        values = dict(row.values)
        if row.objects_to:
            values["objects_to"] = loaded[row.objects_to]
        why = additions.reason(f"{row.kind.capitalize()} recorded", values["source"])
        reservation, _ = sync_record(
            TreatyReservation,
            {"participation": participation, "kind": row.kind, "article": row.article},
            values,
            report,
            "reservations, declarations and objections",
            why,
        )
        loaded.setdefault(row.iso2, reservation)
        wanted = {criteria[code] for code in row.criteria}
        if set(reservation.criteria.all()) != wanted and not changed_by_a_person(reservation):
            reservation._change_reason = why
            reservation.criteria.set(wanted)
            report.count("updated", "criteria a reservation affects")


def load_published_ratings(frameworks, countries, report):
    """What ICMEC published for a country in an edition: shown beside cells, never one."""
    framework = frameworks[Framework.ICMEC]
    titles = additions.icmec_titles()
    criteria = {c.code: c for c in Criterion.objects.of_framework(Framework.ICMEC)}
    for row in additions.rating_rows(read_csv("icmec_per_country_statements.csv"), titles):
        rating = sync(
            PublishedRating,
            {"framework": framework, "country": countries[row["iso2"]], "edition": row["edition"]},
            {k: row[k] for k in ("year", "summary", "statement", "source", "reliability")},
            report,
            "published ratings",
        )
        for name, codes in (("criteria_met", row["met"]), ("criteria_not_met", row["not_met"])):
            wanted = {criteria[code] for code in codes}
            if set(getattr(rating, name).all()) != wanted:
                getattr(rating, name).set(wanted)
                report.count("updated", "published ratings")


def load_statutes(countries, report):
    """Statutes whose text was located, as instruments and provisions with no status."""
    rows = additions.statute_rows(
        read_csv("statutes_primary_text_locations.csv"), read_csv("statutes_text_language.csv")
    )
    for iso2, title, instrument_values, reference, provision_values in rows:
        why = additions.reason("Law on record (not yet assessed)", provision_values["location"])
        instrument, _ = sync_record(
            LegalInstrument,
            {"country": countries[iso2], "title": title},
            instrument_values,
            report,
            "laws on record",
            why,
        )
        sync_record(
            Provision,
            {"instrument": instrument, "reference": reference},
            provision_values,
            report,
            "provisions on record",
            why,
        )


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
    load_reservations(frameworks, report)
    load_published_ratings(frameworks, countries, report)
    create_missing_cells(report)
    load_seed_assessments(report)
    load_statutes(countries, report)
    load_permission_groups(report)
    return report
