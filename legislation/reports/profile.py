"""One country's record reshaped for advocates: its profile, its gap report and its change log.

Views, the PDF and the Word briefing all take their content from here, so the three can never
disagree about which criteria are gaps, in which order they come, or which sources they rest on.
Every builder runs a fixed number of queries, however many countries or peers there are.

The order of gaps is data, not template logic: `Criterion.priority` and `priority_reason`,
loaded from `legislation/data/criteria_guidance.csv` and explained in `PRIORITY.md`.
"""

from dataclasses import dataclass, field

from django.db.models import Prefetch

from legislation import history, rules
from legislation.matrix import build_matrix
from legislation.models import (
    Assessment,
    Country,
    Framework,
    TreatyParticipation,
    TreatyReservation,
)
from legislation.reports.treaty import (
    TreatyRecord,
    attach_ratings,
    attach_readings,
    published_ratings,
)
from legislation.rules import GAPS, STATUS_ORDER
from legislation.statuses import AS_OF_UNKNOWN, ASSESSED, Status, cell_as_of, format_as_of

# The Council of Europe Treaty Office chart for CETS No. 201: where secondary dates are confirmed.
TREATY_OFFICE_CHART = (
    "https://www.coe.int/en/web/conventions/full-list?module=signatures-by-treaty&treatynum=201"
)


def provisions_of(cell):
    """Cited provisions from the prefetch cache, in a stable order."""
    return sorted(cell.provisions.all(), key=lambda p: (p.instrument.title, p.reference))


def source_line(source):
    """A source as one line of plain text (`Source.full_citation`), or that none is recorded."""
    return source.full_citation() if source is not None else "no source recorded"


# ---------------------------------------------------------------------------------------------
# Lanzarote participation


@dataclass
class Participation:
    """A country's standing under a treaty, with unknown dates said to be unknown."""

    framework: Framework
    record: TreatyParticipation | None
    reservations: list

    @property
    def is_party(self):
        return self.record is not None and self.record.is_party

    @property
    def standing(self):
        if self.record is None:
            return "not a Party (no signature recorded)"
        if not self.record.is_party:
            return "signed only, not a Party"
        return f"Party ({self.record.get_action_display()})"

    def dates(self):
        """(label, text) for signed / ratified / in force; a blank date reads AS_OF_UNKNOWN."""
        if self.record is None:
            return []
        record = self.record
        ratified_label = (
            "acceded" if record.action == TreatyParticipation.Action.ACCESSION else "ratified"
        )
        # A State that accedes never signs, so no signature date is missing for it.
        acceded = record.action == TreatyParticipation.Action.ACCESSION
        rows = [] if acceded and record.signed is None else [("signed", record.signed)]
        if record.is_party:
            rows += [(ratified_label, record.ratified), ("in force", record.in_force)]
        return [(label, format_as_of(date)) for label, date in rows]

    @property
    def dates_secondary(self):
        return self.record is not None and self.record.date_quality in (
            TreatyParticipation.DateQuality.SECONDARY,
            TreatyParticipation.DateQuality.MIXED,
        )

    @property
    def dates_missing(self):
        return any(text == AS_OF_UNKNOWN for _, text in self.dates())

    @property
    def needs_confirmation(self):
        """Secondary or missing dates: readers are pointed to the Treaty Office chart."""
        return self.dates_secondary or self.dates_missing

    @property
    def date_quality_note(self):
        """How far to trust the dates shown; the page adds the link to the Treaty Office chart."""
        if self.record is None:
            return ""
        quality = self.record.date_quality
        if self.dates_secondary:
            which = "Some of these dates come" if quality == "mixed" else "These dates come"
            return f"{which} from secondary sources (encyclopaedia mirrors) only."
        if self.dates_missing:
            return (
                f"No source has been found yet for the dates marked “{AS_OF_UNKNOWN}”: a blank "
                "means unknown, not that the step was not taken."
            )
        return "Dates from official treaty records (each date names its source)."

    @property
    def chart_url(self):
        return TREATY_OFFICE_CHART

    def reservations_for(self, criterion):
        return [r for r in self.reservations if criterion in r.criteria.all()]

    @property
    def treaty_record(self):
        return TreatyRecord(self.record, self.reservations)


def lanzarote_participation(country, frameworks, at=None):
    """The country's Lanzarote record and its reservations; with `at`, as they stood then (a
    participation or reservation recorded later is absent)."""
    framework = frameworks[Framework.LANZAROTE]
    if at is not None:
        return past_participation(country, framework, at)
    record = (
        TreatyParticipation.objects.filter(country=country, treaty=framework)
        .prefetch_related(
            Prefetch(
                "reservations",
                queryset=TreatyReservation.objects.order_by("article", "pk")
                .select_related("participation__country", "objects_to__participation__country")
                .prefetch_related("criteria"),
            )
        )
        .first()
    )
    reservations = list(record.reservations.all()) if record else []
    return Participation(framework, record, reservations)


def past_participation(country, framework, at):
    """`lanzarote_participation` as published at `at`, from the records' history (a constant
    number of queries)."""
    records = history.records_at(
        TreatyParticipation, at, country_id=country.pk, treaty_id=framework.pk
    )
    record = min(records.values(), key=lambda r: r.pk, default=None)
    if record is None:
        return Participation(framework, None, [])
    record.country = country
    reservations = history.records_at(TreatyReservation, at, participation_id=record.pk)
    targets = history.records_at(
        TreatyReservation, at, {r.objects_to_id for r in reservations.values() if r.objects_to_id}
    )
    parties = history.records_at(
        TreatyParticipation, at, {t.participation_id for t in targets.values()}
    )
    countries = Country.objects.in_bulk({p.country_id for p in parties.values()})
    for party in parties.values():
        party.country = countries[party.country_id]
    for target in targets.values():
        target.participation = parties.get(target.participation_id)
    for reservation in reservations.values():
        reservation.participation = record
        reservation.objects_to = targets.get(reservation.objects_to_id)
    ordered = sorted(reservations.values(), key=lambda r: (r.article, r.pk))
    return Participation(framework, record, ordered)


# ---------------------------------------------------------------------------------------------
# Per-framework summaries and the profile


@dataclass
class CriterionLine:
    """One leaf criterion of one country, as the profile and the reports list it."""

    criterion: object
    cell: Assessment | None
    article: object = None  # the Lanzarote article node, for headings
    reservation_readings: list = field(default_factory=list)  # treaty.ReservationReading
    published: list = field(default_factory=list)  # what ICMEC's editions said of it

    @property
    def status(self):
        return rules.cell_status(self.cell)

    @property
    def assessed(self):
        return self.status in ASSESSED

    @property
    def as_of(self):
        return cell_as_of(self.cell) if self.assessed else ""

    @property
    def provisions(self):
        return provisions_of(self.cell) if self.cell else []

    @property
    def source(self):
        return self.cell.source if self.cell and self.assessed else None

    @property
    def note(self):
        return self.cell.note if self.cell else ""

    @property
    def grade(self):
        return self.cell.get_evidence_grade_display() if self.cell and self.assessed else ""


@dataclass
class ArticleGroup:
    article: object  # Criterion node, or None for ICMEC
    rollup: rules.RollUp | None
    lines: list

    @property
    def status(self):
        return self.rollup.status if self.rollup else None


@dataclass
class FrameworkSummary:
    framework: Framework
    row: object  # matrix.CountryRow
    groups: list  # ArticleGroup in display order

    @property
    def lines(self):
        return [line for group in self.groups for line in group.lines]

    @property
    def counts(self):
        """Cells per status, every status present (zeros included), in the statuses' order."""
        counts = {s: 0 for s in STATUS_ORDER}
        for line in self.lines:
            counts[line.status] += 1
        return counts

    @property
    def assessed(self):
        return sum(1 for line in self.lines if line.assessed)

    @property
    def total(self):
        return len(self.lines)

    @property
    def met(self):
        return self.counts[Status.MET]

    @property
    def gaps(self):
        return sum(1 for line in self.lines if line.status in GAPS)

    @property
    def is_icmec(self):
        return self.framework.code == Framework.ICMEC

    @property
    def sufficient(self):
        return self.row.sufficient if self.is_icmec else None


def framework_summaries(country, at=None):
    """Both frameworks' cells for one country, grouped by article: 5 queries per framework.
    With `at`, the cells as published at that moment."""
    summaries = []
    for framework in Framework.objects.all():
        matrix = build_matrix([country], framework.code, at=at)
        row = matrix.rows[0]
        groups = []
        if matrix.articles:
            for article in matrix.articles:
                lines = [
                    CriterionLine(leaf, row.cells.get(leaf.code), article)
                    for leaf in matrix.leaves
                    if leaf.parent_id == article.pk
                ]
                groups.append(ArticleGroup(article, row.rollup(article.code), lines))
        else:
            groups.append(
                ArticleGroup(
                    None,
                    None,
                    [CriterionLine(leaf, row.cells.get(leaf.code)) for leaf in matrix.leaves],
                )
            )
        summaries.append(FrameworkSummary(framework, row, groups))
    return summaries


def frameworks_by_code(summaries):
    return {s.framework.code: s.framework for s in summaries}


def annotate_lines(summaries, participation, country):
    """Put beside each line what bears on it but is not its status: the Party's reservations
    and ICMEC's published ratings. Returns the ratings (three queries)."""
    ratings = published_ratings(country)
    lines = [line for s in summaries for line in s.lines]
    attach_readings(lines, participation.reservations)
    attach_ratings(lines, ratings)
    return ratings


# ---------------------------------------------------------------------------------------------
# Change log


def change_log(country, until=None):
    """Each change to this country's cells, newest first (up to `until` when given), from the
    one history module. The public page shows its kind, public reason and what changed; the
    rows also name people, which only the staff pages show."""
    return history.changes_between(until=until, country=country)
