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

from django.db.models import OuterRef, Subquery

from legislation import history
from legislation.editorial import workflow
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


# Reference tables. Frameworks, criteria, countries and published figures have no history:
# `as_of` reads them as they are today. Sources and treaty records are read as they stood.


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


def _ordered(records, key):
    return sorted(records.values(), key=key)


def sources(moment=NOW):
    if moment.release:
        return release_rows(moment.release, "sources")
    fields = ("title", "publisher", "year", "url", "page")
    if moment.at is None:
        rows = Source.objects.order_by("pk").values("pk", *fields)
    else:  # as worded at the moment, from the history (a source added since is absent)
        past = _ordered(history.records_at(Source, moment.at), lambda s: s.pk)
        rows = [{"pk": s.pk, **{f: getattr(s, f) for f in fields}} for s in past]
    return [
        {"source_id": r.pop("pk"), **{k: _blank_to_none(v) for k, v in r.items()}} for r in rows
    ]


PARTICIPATION_FIELDS = ("action", "signed", "ratified", "in_force", "date_quality", "source")


def _participations(at):
    """{pk: (treaty code, country code, {field: value})} as recorded at `at` (today when None)."""
    if at is None:
        rows = TreatyParticipation.objects.values(
            "pk", "treaty__code", "country__iso2", *PARTICIPATION_FIELDS
        )
        return {
            r["pk"]: (
                r["treaty__code"],
                r["country__iso2"],
                {f: r[f] for f in PARTICIPATION_FIELDS},
            )
            for r in rows
        }
    past = history.records_at(TreatyParticipation, at)
    treaties = dict(Framework.objects.values_list("pk", "code"))
    places = dict(Country.objects.values_list("pk", "iso2"))
    return {
        pk: (
            treaties[p.treaty_id],
            places[p.country_id],
            {f: getattr(p, f) for f in PARTICIPATION_FIELDS},
        )
        for pk, p in past.items()
    }


def treaty_participation(moment=NOW):
    if moment.release:
        return release_rows(moment.release, "treaty_participation")
    order = dict(Framework.objects.values_list("code", "display_order"))
    rows = sorted(_participations(moment.at).values(), key=lambda r: (order[r[0]], r[1]))
    return [
        {
            "treaty": treaty,
            "country": country,
            "action": values["action"],
            "signed": _iso(values["signed"]),
            "ratified": _iso(values["ratified"]),
            "in_force": _iso(values["in_force"]),
            "date_quality": _blank_to_none(values["date_quality"]),
            "source": _blank_to_none(values["source"]),
        }
        for treaty, country, values in rows
    ]


RESERVATION_FIELDS = ("participation_id", "kind", "article", "text", "source")


def _reservations(at):
    """[(pk, {field: value}, [criterion codes])] as recorded at `at` (today when None)."""
    if at is None:
        covered = {}
        links = TreatyReservation.criteria.through.objects.order_by("criterion__display_order")
        for reservation_id, code in links.values_list("treatyreservation_id", "criterion__code"):
            covered.setdefault(reservation_id, []).append(code)
        rows = TreatyReservation.objects.order_by("pk").values("pk", *RESERVATION_FIELDS)
        return [(r["pk"], r, covered.get(r["pk"], [])) for r in rows]
    past = _ordered(history.records_at(TreatyReservation, at), lambda r: r.pk)
    return [
        (
            r.pk,
            {f: getattr(r, f) for f in RESERVATION_FIELDS},
            [c.code for c in sorted(r.criteria.all(), key=lambda c: c.display_order)],
        )
        for r in past
    ]


def reservations(moment=NOW):
    if moment.release:
        return release_rows(moment.release, "reservations")
    participations = _participations(moment.at)
    rows = []
    for pk, values, criteria in _reservations(moment.at):
        if values["participation_id"] not in participations:
            continue  # its participation was not on record at the moment
        treaty, country, _ = participations[values["participation_id"]]
        rows.append(
            {
                "reservation_id": pk,
                "treaty": treaty,
                "country": country,
                "kind": values["kind"],
                "article": _blank_to_none(values["article"]),
                "criteria": criteria,
                "text": _blank_to_none(values["text"]),
                "source": _blank_to_none(values["source"]),
            }
        )
    return rows


def published_figures(moment=NOW):
    if moment.release:
        return release_rows(moment.release, "published_figures")
    rows = PublishedFigure.objects.order_by(
        "framework__display_order", "-edition", "figure"
    ).values(
        "pk",
        "framework__code",
        "edition",
        "release",
        "year",
        "figure",
        "scope",
        "value",
        "meaning",
        "source",
    )
    # An update published between editions has no edition number, so the row's own id is the
    # key; `release` names the edition or update as published.
    return [
        {
            "figure_id": r.pop("pk"),
            "framework": r.pop("framework__code"),
            **{k: _blank_to_none(v) for k, v in r.items()},
        }
        for r in rows
    ]


# Cells: the one place that reads a cell's public values, now, at a moment or in a release.
# A past moment is read through `legislation.history`, the one reader of the past; the reason
# a cell last changed is the reason code and public reason its newest history row records.

CELL_VALUE_FIELDS = ("status", "as_of", "as_of_precision", "evidence_grade", "source_id", "note")


def _live_cell_values(cell_filter):
    """Current approved values, with the reason of the newest history row: two queries."""
    newest = Assessment.history.model.objects.filter(id=OuterRef("pk")).order_by(
        "-history_date", "-history_id"
    )
    rows = (
        Assessment.objects.filter(**cell_filter)
        .annotate(
            reason_code=Subquery(newest.values("reason_code")[:1]),
            public_reason=Subquery(newest.values("public_reason")[:1]),
        )
        .order_by()
        .values(
            "pk",
            "country_id",
            "criterion_id",
            "reviewed_at",
            "reason_code",
            "public_reason",
            *CELL_VALUE_FIELDS,
        )
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
    """The values of each cell at `at`, as `history.state_at` reads them: two queries."""
    rows, linked = [], {}
    for state in history.state_at(at, **cell_filter).values():
        rows.append(
            {
                "pk": state.cell_id,
                "country_id": state.country_id,
                "criterion_id": state.criterion_id,
                "reviewed_at": state.reviewed_at,
                "reason_code": state.reason_code,
                "public_reason": state.public_reason,
                **{name: getattr(state, name) for name in CELL_VALUE_FIELDS},
            }
        )
        linked[state.cell_id] = list(state.provision_ids)
    return rows, linked


def _cell_filter(country_codes, framework):
    cell_filter = {"criterion__is_leaf": True}
    if framework:
        cell_filter["criterion__framework__code"] = framework
    if country_codes is not None:
        cell_filter["country__iso2__in"] = list(country_codes)
    return cell_filter


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
    provision_of = _provision_texts({p for ids in linked.values() for p in ids}, moment.at)
    cells, provisions = [], []
    for country_id, iso2 in places.values_list("pk", "iso2"):
        for criterion_id, code, framework_code in leaves:
            row = by_key.get((country_id, criterion_id))
            cells.append(_cell_row(iso2, code, framework_code, row))
            for provision_id in sorted(linked.get(row["pk"], []) if row else []):
                if provision_id not in provision_of:
                    continue  # not on record at the moment, as `history.cells_at` reads it
                provisions.append(
                    {"country": iso2, "criterion": code, **provision_of[provision_id]}
                )
    return cells, provisions


def _cell_row(iso2, code, framework_code, row):
    cell = {"country": iso2, "criterion": code, "framework": framework_code}
    if row is None:
        row = {"status": Status.NOT_ASSESSED, "reviewed_at": None}
    assessed = row["status"] in ASSESSED
    cell.update(
        status=str(row["status"]),
        as_of=_iso(row.get("as_of")),
        as_of_precision=row.get("as_of_precision") if row.get("as_of") else None,
        evidence_grade=_blank_to_none(row.get("evidence_grade", "")),
        source_id=row.get("source_id"),
        note=_blank_to_none(row.get("note", "")),
        reason_code=_blank_to_none(row.get("reason_code") or ""),
        public_reason=_blank_to_none(row.get("public_reason") or ""),
        reviewed_on=_iso(row["reviewed_at"]) if assessed else None,
    )
    return cell


def _provision_texts(ids, at=None):
    """provision id → its columns, cited as `Provision.citation()` cites it, as worded now
    (one query) or at `at` (from the history, two queries)."""
    if at is None:
        rows = Provision.objects.filter(pk__in=ids).values(
            "pk", "reference", "url", "instrument__title", "instrument__year", "instrument__url"
        )
    else:
        rows = [
            {
                "pk": p.pk,
                "reference": p.reference,
                "url": p.url,
                "instrument__title": p.instrument.title,
                "instrument__year": p.instrument.year,
                "instrument__url": p.instrument.url,
            }
            for p in history.provisions_at(at, ids).values()
        ]
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


# The public change log: the rows of `/changes/` (`history.changes_between`), without names.

# API field → the key of a cell's values (`workflow.snapshot`) it shows.
CHANGE_FIELDS = {
    "status": "status",
    "as_of": "as_of",
    "as_of_precision": "as_of_precision",
    "evidence_grade": "evidence_grade",
    "source": "source_label",
    "provisions": "provisions_label",
    "note": "note",
}


def _change_entry(change):
    from legislation.releases.versioning import change_kind

    before = change.before or workflow.empty_snapshot()
    changed = [
        {
            "field": name,
            "before": _blank_to_none(str(before[key] or "")),
            "after": _blank_to_none(str(change.after[key] or "")),
        }
        for name, key in CHANGE_FIELDS.items()
        if before[key] != change.after[key]
    ]
    return {
        "changed_at": change.when.isoformat().replace("+00:00", "Z"),
        "country": change.country.iso2,
        "criterion": change.criterion.code,
        "framework": change.criterion.framework.code,
        "kind": change_kind(str(change.old_status), str(change.new_status)),
        "reason_code": _blank_to_none(change.reason_code or ""),
        "public_reason": _blank_to_none(change.public_reason or ""),
        "changes": changed,
    }


def changes(moment=NOW, *, country_codes=None, since=None):
    """Each approved change of a public cell up to the moment, newest first: the rows
    `/changes/` lists, in a fixed number of queries."""
    until = moment.at or (moment.release.cut_at if moment.release else None)
    cell_filter = {}
    if country_codes is not None:
        cell_filter["country__iso2__in"] = list(country_codes)
    found = history.changes_between(since, until, **cell_filter)
    return [_change_entry(change) for change in found if change.changes]
