"""Every public table as flat rows, at one of three moments: now, a past moment (`as_of`), or
as a data release holds it (`release`). The API and the release builder read only this module,
so `as_of` and `release` plug in at one point.

Rows are plain dicts with the columns of `legislation.releases.schema` (empty text is None),
read with `values()` in a fixed number of queries whatever the number of countries. A release
is read from its stored CSVs, so `release=1.0.0` answers with exactly that release's rows.

No row carries a person's name: a cell says when it was reviewed, never by whom.
"""

import datetime
import functools
from dataclasses import dataclass

from django.db.models import Max, OuterRef, Subquery

from legislation.models import (
    Assessment,
    Country,
    Criterion,
    Framework,
    Provision,
    PublishedFigure,
    Release,
    Source,
    TreatyParticipation,
    TreatyReservation,
)
from legislation.models.records import citation_of_provision
from legislation.releases import schema
from legislation.statuses import ASSESSED, Status

# Why a cell last changed, in words a reader can group by. Until the history module's reason
# codes exist, the kind of batch that carried the change stands in for them.
REASON_OF_BATCH_KIND = {"edit": "edit", "import": "import", "revert": "revert"}
LOADER_REASON_CODE = "reference-data"


@dataclass(frozen=True)
class Moment:
    """Which data to read: now (both None), the public state at `at`, or a stored release."""

    at: datetime.datetime | None = None
    release: Release | None = None

    @property
    def is_now(self):
        return self.at is None and self.release is None


NOW = Moment()


def _blank_to_none(value):
    return None if value == "" else value


def _iso(value):
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    return value.isoformat()


# Releases: parsed once per process (a release never changes).


@functools.lru_cache(maxsize=8)
def _release_tables(release_pk, zip_sha256):
    files = Release.objects.get(pk=release_pk).file_bytes()
    return {name: schema.from_csv(name, files[f"data/{name}.csv"]) for name in schema.RESOURCES}


def release_rows(release, resource):
    return [dict(row) for row in _release_tables(release.pk, release.zip_sha256)[resource]]


# Reference tables (not versioned in the database: `as_of` reads today's reference data).


def frameworks(moment=NOW):
    if moment.release:
        return release_rows(moment.release, "frameworks")
    fields = schema.columns("frameworks")
    rows = Framework.objects.order_by("display_order").values(*fields)
    return [{k: _blank_to_none(v) for k, v in row.items()} for row in rows]


def criteria(moment=NOW):
    if moment.release:
        return release_rows(moment.release, "criteria")
    rows = Criterion.objects.order_by("framework__display_order", "display_order").values(
        "code",
        "framework__code",
        "parent__code",
        "is_leaf",
        "article",
        "title",
        "summary",
        "reservation_allowed",
        "display_order",
    )
    return [
        {
            "code": r["code"],
            "framework": r["framework__code"],
            "parent": r["parent__code"],
            "is_leaf": r["is_leaf"],
            "article": _blank_to_none(r["article"]),
            "title": r["title"],
            "summary": _blank_to_none(r["summary"]),
            "reservation_allowed": r["reservation_allowed"],
            "display_order": r["display_order"],
        }
        for r in rows
    ]


def countries(moment=NOW):
    if moment.release:
        return release_rows(moment.release, "countries")
    groups = {}
    memberships = Country.groups.through.objects.order_by("countrygroup__display_order")
    for country_id, slug in memberships.values_list("country_id", "countrygroup__slug"):
        groups.setdefault(country_id, []).append(slug)
    fields = [c for c in schema.columns("countries") if c != "groups"]
    rows = []
    for row in Country.objects.order_by("iso2").values("pk", *fields):
        pk = row.pop("pk")
        row = {k: _blank_to_none(v) for k, v in row.items()}
        row["groups"] = groups.get(pk, [])
        rows.append(row)
    return rows


def sources(moment=NOW):
    if moment.release:
        return release_rows(moment.release, "sources")
    rows = Source.objects.order_by("pk").values("pk", "title", "publisher", "year", "url", "page")
    return [
        {"source_id": r.pop("pk"), **{k: _blank_to_none(v) for k, v in r.items()}} for r in rows
    ]


def treaty_participation(moment=NOW):
    if moment.release:
        return release_rows(moment.release, "treaty_participation")
    rows = TreatyParticipation.objects.order_by("treaty__display_order", "country__iso2").values(
        "treaty__code",
        "country__iso2",
        "action",
        "signed",
        "ratified",
        "in_force",
        "date_quality",
        "source",
    )
    return [
        {
            "treaty": r["treaty__code"],
            "country": r["country__iso2"],
            "action": r["action"],
            "signed": _iso(r["signed"]),
            "ratified": _iso(r["ratified"]),
            "in_force": _iso(r["in_force"]),
            "date_quality": _blank_to_none(r["date_quality"]),
            "source": _blank_to_none(r["source"]),
        }
        for r in rows
    ]


def reservations(moment=NOW):
    if moment.release:
        return release_rows(moment.release, "reservations")
    covered = {}
    links = TreatyReservation.criteria.through.objects.order_by("criterion__display_order")
    for reservation_id, code in links.values_list("treatyreservation_id", "criterion__code"):
        covered.setdefault(reservation_id, []).append(code)
    rows = TreatyReservation.objects.order_by("pk").values(
        "pk",
        "participation__treaty__code",
        "participation__country__iso2",
        "kind",
        "article",
        "text",
        "source",
    )
    return [
        {
            "reservation_id": r["pk"],
            "treaty": r["participation__treaty__code"],
            "country": r["participation__country__iso2"],
            "kind": r["kind"],
            "article": _blank_to_none(r["article"]),
            "criteria": covered.get(r["pk"], []),
            "text": _blank_to_none(r["text"]),
            "source": _blank_to_none(r["source"]),
        }
        for r in rows
    ]


def published_figures(moment=NOW):
    if moment.release:
        return release_rows(moment.release, "published_figures")
    rows = PublishedFigure.objects.order_by(
        "framework__display_order", "-edition", "figure"
    ).values("framework__code", "edition", "year", "figure", "scope", "value", "meaning", "source")
    return [
        {"framework": r.pop("framework__code"), **{k: _blank_to_none(v) for k, v in r.items()}}
        for r in rows
    ]


# Cells: the one place that reads a cell's public values, now, at a moment or in a release.

CELL_VALUE_FIELDS = ("status", "as_of", "as_of_precision", "evidence_grade", "source_id", "note")


def _history():
    return Assessment.history.model


def _live_cell_values(cell_filter):
    """Current approved values, with the reason of the newest history row: two queries."""
    newest = (
        _history()
        .objects.filter(id=OuterRef("pk"))
        .order_by("-history_id")
        .values("proposal__batch__kind")[:1]
    )
    rows = (
        Assessment.objects.filter(**cell_filter)
        .annotate(batch_kind=Subquery(newest))
        .order_by()
        .values("pk", "country_id", "criterion_id", "reviewed_at", "batch_kind", *CELL_VALUE_FIELDS)
    )
    rows = list(rows)
    through = Assessment.provisions.through.objects.filter(
        assessment_id__in=[r["pk"] for r in rows]
    )
    linked = {}
    for cell_id, provision_id in through.values_list("assessment_id", "provision_id"):
        linked.setdefault(cell_id, []).append(provision_id)
    return rows, linked


def _cell_values_at(at, cell_filter):
    """The approved values of each cell at `at`, read from its newest history row then."""
    History = _history()
    newest = (
        History.objects.filter(history_date__lte=at, **cell_filter)
        .values("id")
        .annotate(last=Max("history_id"))
        .values("last")
    )
    rows = list(
        History.objects.filter(history_id__in=newest)
        .exclude(history_type="-")
        .order_by()
        .values(
            "history_id",
            "country_id",
            "criterion_id",
            "reviewed_at",
            "proposal__batch__kind",
            *CELL_VALUE_FIELDS,
        )
    )
    through = History.provisions.model  # the history of the provisions links
    linked = {}
    links = through.objects.filter(history_id__in=[r["history_id"] for r in rows])
    for history_id, provision_id in links.values_list("history_id", "provision_id"):
        linked.setdefault(history_id, []).append(provision_id)
    for row in rows:
        row["pk"] = row.pop("history_id")
        row["batch_kind"] = row.pop("proposal__batch__kind")
    return rows, linked


def _cell_filter(country_codes, framework):
    cell_filter = {"criterion__is_leaf": True}
    if framework:
        cell_filter["criterion__framework__code"] = framework
    if country_codes is not None:
        cell_filter["country__iso2__in"] = list(country_codes)
    return cell_filter


def _reason_code(row):
    if row["status"] == Status.NOT_ASSESSED and row["batch_kind"] is None:
        return None
    return REASON_OF_BATCH_KIND.get(row["batch_kind"], LOADER_REASON_CODE)


def _database_cells(moment, country_codes, framework):
    """(cell rows, provision rows) from the database, every country × leaf criterion present
    (a missing cell reads not assessed): a fixed number of queries."""
    cell_filter = _cell_filter(country_codes, framework)
    if moment.at is None:
        values, linked = _live_cell_values(cell_filter)
    else:
        values, linked = _cell_values_at(moment.at, cell_filter)
    by_key = {(r["country_id"], r["criterion_id"]): r for r in values}
    places = Country.objects.order_by("iso2")
    if country_codes is not None:
        places = places.filter(iso2__in=list(country_codes))
    leaves = Criterion.objects.leaves().order_by("framework__display_order", "display_order")
    if framework:
        leaves = leaves.filter(framework__code=framework)
    leaves = list(leaves.values_list("pk", "code", "framework__code"))
    provision_of = _provision_texts({p for ids in linked.values() for p in ids})
    cells, provisions = [], []
    for country_id, iso2 in places.values_list("pk", "iso2"):
        for criterion_id, code, framework_code in leaves:
            row = by_key.get((country_id, criterion_id))
            cells.append(_cell_row(iso2, code, framework_code, row))
            for provision_id in sorted(linked.get(row["pk"], []) if row else []):
                provisions.append(
                    {"country": iso2, "criterion": code, **provision_of[provision_id]}
                )
    return cells, provisions


def _cell_row(iso2, code, framework_code, row):
    cell = {"country": iso2, "criterion": code, "framework": framework_code}
    if row is None:
        row = {"status": Status.NOT_ASSESSED, "batch_kind": None, "reviewed_at": None}
    assessed = row["status"] in ASSESSED
    cell.update(
        status=str(row["status"]),
        as_of=_iso(row.get("as_of")),
        as_of_precision=row.get("as_of_precision") if row.get("as_of") else None,
        evidence_grade=_blank_to_none(row.get("evidence_grade", "")),
        source_id=row.get("source_id"),
        note=_blank_to_none(row.get("note", "")),
        reason_code=_reason_code(row),
        reviewed_on=_iso(row["reviewed_at"]) if assessed else None,
    )
    return cell


def _provision_texts(ids):
    """provision id → its columns, cited as `Provision.citation()` cites it: one query."""
    rows = Provision.objects.filter(pk__in=ids).values(
        "pk", "reference", "url", "instrument__title", "instrument__year", "instrument__url"
    )
    out = {}
    for r in rows:
        title, year = r["instrument__title"], r["instrument__year"]
        citation = citation_of_provision(title, year, r["reference"])
        out[r["pk"]] = {
            "provision_id": r["pk"],
            "instrument": title,
            "instrument_year": year,
            "reference": r["reference"],
            # As `Provision.link`: the provision's own link, else its instrument's.
            "url": _blank_to_none(r["url"] or r["instrument__url"]),
            "citation": citation,
        }
    return out


def cells(moment=NOW, *, country_codes=None, framework=None):
    """(cell rows, provision rows) in a stable order: country code, standard, criterion."""
    if not moment.release:
        return _database_cells(moment, country_codes, framework)

    def wanted(row):
        if country_codes is not None and row["country"] not in country_codes:
            return False
        return not framework or row.get("framework", framework) == framework

    cell_rows = [r for r in release_rows(moment.release, "cells") if wanted(r)]
    keys = {(r["country"], r["criterion"]) for r in cell_rows}
    provisions = [
        r
        for r in release_rows(moment.release, "provisions")
        if (r["country"], r["criterion"]) in keys
    ]
    return cell_rows, provisions


def nest_cells(cell_rows, provision_rows, source_rows):
    """What the API shows of a cell: its row with its source and provisions inside it."""
    source_of = {s["source_id"]: s for s in source_rows}
    provisions_of = {}
    for p in provision_rows:
        entry = {k: v for k, v in p.items() if k not in ("country", "criterion")}
        provisions_of.setdefault((p["country"], p["criterion"]), []).append(entry)
    records = []
    for row in cell_rows:
        record = {k: v for k, v in row.items() if k != "source_id"}
        record["source"] = source_of.get(row["source_id"])
        record["provisions"] = provisions_of.get((row["country"], row["criterion"]), [])
        records.append(record)
    return records


# The public change log: every approved change to a cell, newest first, without names.

CHANGE_FIELDS = (
    "status",
    "as_of",
    "as_of_precision",
    "evidence_grade",
    "source",
    "provisions",
    "note",
)


def _public_values(row, provisions, source_titles, citations):
    return {
        "status": str(row["status"]),
        "as_of": _iso(row["as_of"]),
        "as_of_precision": row["as_of_precision"] if row["as_of"] else None,
        "evidence_grade": _blank_to_none(row["evidence_grade"]),
        "source": source_titles.get(row["source_id"]),
        "provisions": "; ".join(sorted(citations[p] for p in provisions)) or None,
        "note": _blank_to_none(row["note"]),
    }


def changes(moment=NOW, *, country_codes=None, since=None):
    """Each approved change of a public cell value up to the moment: a fixed number of queries.

    A cell's first record, when it is the loader creating it "not assessed", is not news.
    """
    from legislation.releases.versioning import change_kind

    until = moment.at or (moment.release.cut_at if moment.release else None)
    History = _history()
    records = History.objects.filter(criterion__is_leaf=True)
    if country_codes is not None:
        records = records.filter(country__iso2__in=list(country_codes))
    if until is not None:
        records = records.filter(history_date__lte=until)
    rows = list(
        records.order_by("id", "history_date", "history_id").values(
            "history_id",
            "id",
            "history_date",
            "history_type",
            "country__iso2",
            "criterion__code",
            "criterion__framework__code",
            "proposal__batch__kind",
            *CELL_VALUE_FIELDS,
        )
    )
    linked = {}
    links = History.provisions.model.objects.filter(history__in=records.values("history_id"))
    for history_id, provision_id in links.values_list("history_id", "provision_id"):
        linked.setdefault(history_id, []).append(provision_id)
    citations = {
        pk: p["citation"]
        for pk, p in _provision_texts({p for ids in linked.values() for p in ids}).items()
    }
    source_titles = {s["source_id"]: s["title"] for s in sources()}
    entries, previous = [], {}
    for row in rows:
        values = _public_values(row, linked.get(row["history_id"], []), source_titles, citations)
        before = previous.get(row["id"])
        previous[row["id"]] = values
        if before is None and values["status"] == Status.NOT_ASSESSED:
            continue
        before = before or dict.fromkeys(CHANGE_FIELDS) | {"status": Status.NOT_ASSESSED.value}
        changed = [
            {"field": name, "before": before[name], "after": values[name]}
            for name in CHANGE_FIELDS
            if before[name] != values[name]
        ]
        if not changed or (since is not None and row["history_date"] <= since):
            continue
        row["batch_kind"] = row["proposal__batch__kind"]
        entries.append(
            {
                "changed_at": row["history_date"].isoformat().replace("+00:00", "Z"),
                "country": row["country__iso2"],
                "criterion": row["criterion__code"],
                "framework": row["criterion__framework__code"],
                "kind": change_kind(before["status"], values["status"]),
                "reason_code": _reason_code(row) or LOADER_REASON_CODE,
                "changes": changed,
            }
        )
    entries.sort(key=lambda e: (e["changed_at"], e["country"], e["criterion"]), reverse=True)
    return entries
