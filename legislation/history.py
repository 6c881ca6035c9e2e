"""The past of the fact base: every cell's public values at a moment, and what changed between
two moments, with the kind of each change.

Read from the audit rows django-simple-history writes (one row per approved change, its cited
provisions in a table of their own). Every change log (the profile's, `/changes/`, the feeds,
the staff history pages) and every "as published on" page is built here; public and staff
views differ only in which fields they show. A cell with no row by a moment did not exist
then: it reads "not assessed" and nothing else, never today's values.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone

from legislation.models import Assessment, LegalInstrument, Provision, Source
from legislation.statuses import REASON_CODE_HELP, ReasonCode, Status

__all__ = [
    "REASON_CODE_HELP",
    "CellChange",
    "CellState",
    "ReasonCode",
    "cells_at",
    "cell_tallies",
    "changes_between",
    "end_of_day",
    "provisions_at",
    "records_at",
    "rows_at",
    "state_at",
]

History = Assessment.history.model
CitedAt = History.provisions.model  # which provisions each historical row cites


def end_of_day(day):
    """The last instant of a calendar day in UTC: "as published on" a date means this."""
    return datetime.datetime.combine(day, datetime.time.max, tzinfo=datetime.UTC)


@dataclass(frozen=True, slots=True)
class CellState:
    """A cell's public values as one historical row recorded them."""

    history_id: int
    cell_id: int
    country_id: int
    criterion_id: int
    status: str
    as_of: datetime.date | None
    as_of_precision: str
    evidence_grade: str
    note: str
    source_id: int | None
    reviewed_at: datetime.datetime | None
    reason_code: str
    public_reason: str
    recorded_at: datetime.datetime
    version: int = 0
    provision_ids: tuple = ()


STATE_FIELDS = (
    "history_id",
    "id",
    "country_id",
    "criterion_id",
    "status",
    "as_of",
    "as_of_precision",
    "evidence_grade",
    "note",
    "source_id",
    "reviewed_at",
    "reason_code",
    "public_reason",
    "history_date",
    "version",
)


def _latest_rows(moment, cell_filter):
    """The newest historical row of each chosen cell recorded by `moment`, deletions out."""
    newest = (
        History.objects.filter(id=OuterRef("id"), history_date__lte=moment)
        .order_by("-history_date", "-history_id")
        .values("history_id")[:1]
    )
    return (
        History.objects.filter(**cell_filter)
        .filter(history_date__lte=moment, history_id=Subquery(newest))
        .exclude(history_type="-")
    )


def state_at(moment, **cell_filter):
    """{cell id: CellState} of every chosen cell that had a record by `moment`. Two queries,
    whatever the number of cells. `cell_filter` takes the cell's own lookups, e.g.
    `country_id__in=[...]`, `criterion__framework__code="icmec"`."""
    rows = _latest_rows(moment, cell_filter)
    cited = {}
    links = CitedAt.objects.filter(history_id__in=rows.values("history_id"))
    for history_id, provision_id in links.order_by().values_list("history_id", "provision_id"):
        cited.setdefault(history_id, []).append(provision_id)
    states = {}
    for values in rows.order_by().values_list(*STATE_FIELDS):
        state = CellState(*values, provision_ids=tuple(sorted(cited.get(values[0], ()))))
        states[state.cell_id] = state
    return states


def _with_prefetched(instance, name, objects):
    """Fill the instance's prefetch cache, so `instance.<name>.all()` answers without a query."""
    queryset = getattr(instance, name).all()
    queryset._result_cache = list(objects)
    queryset._prefetch_done = True
    instance._prefetched_objects_cache = {
        **getattr(instance, "_prefetched_objects_cache", {}),
        name: queryset,
    }
    return instance


def _with_provisions(cell, provisions):
    return _with_prefetched(cell, "provisions", provisions)


def cells_at(moment, *, criteria=None, countries=None, **cell_filter):
    """The chosen cells as unsaved `Assessment` instances holding their values at `moment`,
    with their source and provisions (and each provision's instrument) as worded at `moment`
    (`records_at`), for the builders that read model instances. Five queries. `criteria` and
    `countries` ({pk: object}) are attached when given."""
    states = state_at(moment, **cell_filter)
    source_ids = {s.source_id for s in states.values() if s.source_id}
    sources = records_at(Source, moment, source_ids)
    provision_ids = {pk for s in states.values() for pk in s.provision_ids}
    provisions = provisions_at(moment, provision_ids)
    cells = []
    for state in states.values():
        cell = Assessment(
            pk=state.cell_id,
            country_id=state.country_id,
            criterion_id=state.criterion_id,
            status=state.status,
            as_of=state.as_of,
            as_of_precision=state.as_of_precision,
            evidence_grade=state.evidence_grade,
            note=state.note,
            source_id=state.source_id,
            reviewed_at=state.reviewed_at,
            version=state.version,
        )
        if state.source_id in sources:
            cell.source = sources[state.source_id]
        if criteria is not None:
            cell.criterion = criteria[state.criterion_id]
        if countries is not None and state.country_id in countries:
            cell.country = countries[state.country_id]
        cited = (provisions[pk] for pk in state.provision_ids if pk in provisions)
        provs = sorted(cited, key=lambda p: p.pk)
        cells.append(_with_provisions(cell, provs))
    return cells


def cell_tallies(moment=None, *, by):
    """Cells counted as published at `moment` (today's cells when None), grouped by the cell
    fields `by` (e.g. `("criterion_id",)`): {key tuple: {"assessed", "met", "gaps"}}. One
    query. A cell with no record by `moment` is not counted: not assessed."""
    from legislation.rules import GAPS

    cells = Assessment.objects.all() if moment is None else _latest_rows(moment, {})
    rows = (
        cells.order_by()
        .values(*by)
        .annotate(
            assessed=Count("pk", filter=~Q(status=Status.NOT_ASSESSED)),
            met=Count("pk", filter=Q(status=Status.MET)),
            gaps=Count("pk", filter=Q(status__in=list(GAPS))),
        )
    )
    return {
        tuple(row[name] for name in by): {k: row[k] for k in ("assessed", "met", "gaps")}
        for row in rows
    }


# ---------------------------------------------------------------------------------------------
# Evidence and treaty records as they were


def _attach_past_m2m(history_model, instances):
    """The many-to-many links each historical row recorded (`m2m_fields=`, e.g. the criteria
    a reservation bears on), attached as prefetched: one query per such field."""
    for field in getattr(history_model, "_history_m2m_fields", []):
        through = getattr(history_model, field.name).model
        target = field.m2m_reverse_field_name()
        linked = {}
        by_row = {i._history_id: i for i in instances}
        links = through.objects.filter(history_id__in=list(by_row)).select_related(target)
        for link in links.order_by(f"{target}__pk"):
            linked.setdefault(link.history_id, []).append(getattr(link, target))
        for history_id, instance in by_row.items():
            _with_prefetched(instance, field.name, linked.get(history_id, []))


def provisions_at(moment, ids, *, or_last_known=False):
    """{pk: Provision} as worded at `moment`, each with its instrument as it was then (two
    queries; `or_last_known` as for `records_at`)."""
    provisions = records_at(Provision, moment, ids, or_last_known=or_last_known)
    instruments = records_at(
        LegalInstrument,
        moment,
        {p.instrument_id for p in provisions.values()},
        or_last_known=or_last_known,
    )
    for provision in provisions.values():
        if provision.instrument_id in instruments:
            provision.instrument = instruments[provision.instrument_id]
    return {pk: p for pk, p in provisions.items() if p.instrument_id in instruments}


def rows_at(model, moment):
    """The newest historical row of each record of an audited type by `moment`, deletions
    included (`history_type` "-"): a queryset of the historical model, to filter further on
    what the row recorded (e.g. who saved it, through which proposal)."""
    past = model.history.model.objects
    newest = (
        past.filter(id=OuterRef("id"), history_date__lte=moment)
        .order_by("-history_date", "-history_id")
        .values("history_id")[:1]
    )
    return past.filter(history_date__lte=moment, history_id=Subquery(newest))


def records_at(model, moment, ids=None, *, or_last_known=False, **record_filter):
    """{pk: instance} of an audited record type (`Source`, `LegalInstrument`, `Provision`,
    `TreatyParticipation`, `TreatyReservation`) as each record stood at `moment`, read from its
    historical table: the newest historical row by then, deletions out. A record created after
    `moment` is absent. One query (`ids` narrows to those keys; `record_filter` takes lookups on
    the historical row's fields, e.g. `country_id=3`).

    The instances are unsaved copies; many-to-many links the history records (a reservation's
    criteria) come attached as they were, one more query per such field. With `moment` None,
    today's rows. A record cited by name (`ids`) that has no historical row at all, say one
    restored from a dataset without its history, is read as it is today (one more query, only
    then): it was cited, so it existed, and its past wording is not known.

    `or_last_known`: a record deleted by `moment` is read as last recorded before its deletion
    (for a change log naming a source that nothing cites any more)."""
    if moment is None:
        rows = model._default_manager.filter(**record_filter)
        found = rows.in_bulk(ids) if ids is not None else rows.in_bulk()
        gone = set(ids or ()) - set(found)
        if or_last_known and gone:
            found.update(records_at(model, timezone.now(), gone, or_last_known=True))
        return found
    if ids is not None and not ids:
        return {}
    past = model.history.model.objects
    rows = rows_at(model, moment).filter(**record_filter)
    if ids is not None:
        rows = rows.filter(id__in=ids)
    found = {}
    for row in rows:
        if row.history_type != "-" or or_last_known:
            found[row.id] = row.instance
            found[row.id]._history_id = row.history_id
    _attach_past_m2m(past.model, found.values())
    if ids is not None:
        unseen = set(ids) - {row.id for row in rows}
        if unseen:
            never_recorded = unseen - set(
                past.filter(id__in=unseen).values_list("id", flat=True).distinct()
            )
            if never_recorded:
                found.update(model._default_manager.in_bulk(never_recorded))
    return found


# ---------------------------------------------------------------------------------------------
# Changes


def values_of(record, provisions):
    """A historical row's values as plain data, in the shape the review queue's diff uses."""
    from legislation.editorial.workflow import snapshot

    return snapshot(record, provisions=provisions)


@dataclass
class CellChange:
    """One change to one cell: the historical row that records it, the values before and
    after, and the differing fields as (label, old, new). The row names people; public views
    read only the properties below that do not."""

    record: object
    before: dict | None  # None: the cell's first record
    after: dict
    changes: list
    previous_id: int | None = None  # the history id of the row it changed from (staff revert)

    @property
    def when(self):
        return self.record.history_date

    @property
    def country(self):
        return self.record.country

    @property
    def criterion(self):
        return self.record.criterion

    @property
    def old_status(self):
        return Status(self.before["status"]) if self.before else Status.NOT_ASSESSED

    @property
    def new_status(self):
        return Status(self.after["status"])

    @property
    def status_changed(self):
        return self.old_status != self.new_status

    @property
    def evidence_changes(self):
        """The differing fields other than the status: evidence, dates, provisions, note."""
        return [c for c in self.changes if c[0] != "status"]

    @property
    def reason_code(self):
        return self.record.reason_code

    @property
    def reason_label(self):
        code = self.record.reason_code
        return ReasonCode(code).label if code in ReasonCode.values else "not recorded"

    @property
    def public_reason(self):
        return self.record.public_reason

    def describe(self):
        """The change in words, naming no one: for feeds and downloads."""
        parts = [f"{label}: {old} → {new}" for label, old, new in self.changes]
        return "; ".join(parts)


def _rows_touched(since, until, cell_filter):
    """Every historical row, up to `until`, of the cells changed in (since, until]: the rows
    in the window and the ones before them, which say what each change changed from."""
    rows = History.objects.filter(**cell_filter)
    if until is not None:
        rows = rows.filter(history_date__lte=until)
    if since is not None:
        touched = rows.filter(history_date__gt=since)
        rows = rows.filter(id__in=touched.values("id"))
    return rows


def changes_between(since=None, until=None, **cell_filter):
    """Each change to the chosen cells recorded after `since` and by `until` (either may be
    None: no bound), newest first; the sources and provisions they name are worded as at
    `until` (`records_at`). Six queries at most, however many changes."""
    from legislation.editorial.workflow import diff, empty_snapshot

    rows = _rows_touched(since, until, cell_filter)
    records = list(
        rows.select_related("history_user", "proposed_by", "country", "proposal")
        .select_related("criterion__framework")
        .order_by("id", "history_date", "history_id")
    )
    links = list(CitedAt.objects.filter(history_id__in=rows.values("history_id")))
    # The evidence each change names, worded as at `until` (today's wording when None); one
    # deleted since, as last recorded.
    source_ids = {r.source_id for r in records if r.source_id}
    sources = records_at(Source, until, source_ids, or_last_known=True)
    provisions = provisions_at(until, {link.provision_id for link in links}, or_last_known=True)
    for record in records:
        if record.source_id in sources:
            record.source = sources[record.source_id]
    cited = {}
    for link in links:
        if link.provision_id in provisions:
            cited.setdefault(link.history_id, []).append(provisions[link.provision_id])
    previous, changes, blank = {}, [], empty_snapshot()
    for record in records:
        before, previous_id = previous.get(record.id, (None, None))
        record.values = (
            blank
            if record.history_type == "-"
            else values_of(record, cited.get(record.history_id, []))
        )
        previous[record.id] = (record.values, record.history_id)
        if since is not None and record.history_date <= since:
            continue
        if before is None and record.values["status"] == Status.NOT_ASSESSED:
            continue  # the loader creating an empty cell is not news
        differences = diff(before or blank, record.values)
        if differences:
            changes.append(CellChange(record, before, record.values, differences, previous_id))
    changes.sort(key=lambda c: (c.when, c.record.history_id), reverse=True)
    return changes


def default_window(today=None, days=90):
    """(from, to) dates of the default `/changes/` window: the last `days` days, today included."""
    today = today or timezone.now().date()
    return today - datetime.timedelta(days=days), today
