"""One country's record reshaped for advocates: its profile, its gap report and its change log.

Views, the PDF and the Word briefing all take their content from here, so the three can never
disagree about which criteria are gaps, in which order they come, or which sources they rest on.
Every builder runs a fixed number of queries, however many countries or peers there are.

The order of gaps is data, not template logic: `Criterion.priority` and `priority_reason`,
loaded from `legislation/data/criteria_guidance.csv` and explained in `PRIORITY.md`.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Prefetch, prefetch_related_objects
from django.utils import timezone

from legislation import history, rules, statuses
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
PRIORITY_RULE = (
    "Gaps are listed in a fixed order, kept with the criteria: first the "
    "foundations other provisions depend on (the age-of-consent offence, a law specific to "
    "abuse material and its definition), then abuse and exploitation of a child in person, "
    "conduct aimed at a particular child now, spreading the record of abuse, obtaining and "
    "holding it, and last procedural and ancillary duties. The order says which gap to close "
    "first; it is not a score, and a criterion not yet assessed is never treated as a gap."
)
PRIORITY_LIST_LENGTH = 5
PEERS_PER_GAP = 5
NO_PRIORITY = 999  # criteria without a rank (none today) sort after every ranked one


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


def lanzarote_participation(country, frameworks):
    framework = frameworks[Framework.LANZAROTE]
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


# ---------------------------------------------------------------------------------------------
# Gap report


@dataclass
class Peer:
    country: Country
    cell: Assessment
    proximity: str  # "same sub-region", "same region" or ""

    @property
    def provisions(self):
        return provisions_of(self.cell)

    @property
    def as_of(self):
        return cell_as_of(self.cell)


@dataclass
class GapEntry:
    line: CriterionLine
    framework: Framework
    peers: list = field(default_factory=list)  # the nearest PEERS_PER_GAP
    peers_total: int = 0
    reservations: list = field(default_factory=list)  # TreatyReservation texts covering it

    @property
    def criterion(self):
        return self.line.criterion

    @property
    def cell(self):
        return self.line.cell

    @property
    def status(self):
        return self.line.status

    @property
    def priority(self):
        return self.criterion.priority or NO_PRIORITY

    @property
    def heading(self):
        article = self.line.article
        prefix = f"Art. {article.article}: " if article is not None else ""
        return f"{self.criterion.code} {prefix}{self.criterion.title}"

    @property
    def anchor(self):
        return "gap-" + self.criterion.code.replace(".", "-").lower()

    @property
    def more_peers(self):
        return self.peers_total - len(self.peers)


@dataclass
class GapReport:
    country: Country
    summaries: list  # FrameworkSummary
    participation: Participation
    gaps: list  # GapEntry, not met and partial, in priority order
    reserved: list  # GapEntry with status reserved
    research_gaps: list  # CriterionLine, not assessed
    covered: list  # CriterionLine, met: what the law already covers
    sources: list  # Source of the country's assessed cells
    peer_sources: list  # Source behind the peer examples
    generated_at: datetime.datetime
    permalink: str = ""
    published_ratings: list = field(default_factory=list)  # PublishedRating, never a cell
    published_at: datetime.datetime | None = None  # set when shown as published on a past day

    priority_rule = PRIORITY_RULE

    @property
    def priority_list(self):
        return self.gaps[:PRIORITY_LIST_LENGTH]

    @property
    def reservation_lines(self):
        """Lines a recorded reservation bears on, whatever their status."""
        return [line for s in self.summaries for line in s.lines if line.reservation_readings]

    @property
    def assessed_lines(self):
        return [line for s in self.summaries for line in s.lines if line.assessed]

    @property
    def as_of_newest(self):
        dated = [line.cell for line in self.assessed_lines if line.cell.as_of]
        if not dated:
            return None
        newest = max(dated, key=lambda c: c.as_of)
        return cell_as_of(newest)

    @property
    def as_of_oldest(self):
        dated = [line.cell for line in self.assessed_lines if line.cell.as_of]
        if not dated:
            return None
        oldest = min(dated, key=lambda c: c.as_of)
        return cell_as_of(oldest)

    @property
    def as_of_stamp(self):
        newest, oldest = self.as_of_newest, self.as_of_oldest
        if newest is None:
            return "no assessed cells yet"
        if newest == oldest:
            return newest
        return f"{oldest} to {newest} (each cell gives its own date)"

    @property
    def total_assessed(self):
        return sum(s.assessed for s in self.summaries)

    @property
    def total_cells(self):
        return sum(s.total for s in self.summaries)

    @property
    def generated_text(self):
        """The generation time in the one wording page, PDF and Word share."""
        return f"{self.generated_at.day} {self.generated_at:%B %Y, %H:%M} UTC"

    @property
    def lanzarote_as_benchmark(self):
        """A non-Party is measured against the Convention only as a benchmark: its report
        keeps Lanzarote to one short section instead of a row per sub-paragraph."""
        return not self.participation.is_party

    @property
    def research_listed(self):
        """The research gaps listed one by one (all of them, but a non-Party's Lanzarote ones)."""
        if not self.lanzarote_as_benchmark:
            return self.research_gaps
        return [line for line in self.research_gaps if line.article is None]

    @property
    def research_benchmark(self):
        """A non-Party's unassessed Lanzarote sub-paragraphs, one (article, count) per article."""
        if not self.lanzarote_as_benchmark:
            return []
        by_article = {}
        for line in self.research_gaps:
            if line.article is not None:
                by_article.setdefault(line.article.pk, [line.article, 0])[1] += 1
        return [tuple(pair) for pair in by_article.values()]

    @property
    def research_benchmark_total(self):
        return sum(count for _, count in self.research_benchmark)

    @property
    def filename_stem(self):
        day = self.published_at or self.generated_at
        return f"gap-report-{self.country.code}-{day:%Y-%m-%d}"


def proximity(country, peer):
    if peer.subregion == country.subregion:
        return "same sub-region"
    if peer.region == country.region:
        return "same region"
    return ""


def _meeting(country, entries, at):
    """Other countries' cells that meet the entries' criteria, now or as published at `at`."""
    criterion_ids = [e.criterion.pk for e in entries]
    if at is None:
        return list(
            Assessment.objects.filter(criterion__in=criterion_ids, status=Status.MET)
            .exclude(country=country)
            .select_related("country", "source")
        )
    cells = history.cells_at(at, criterion_id__in=criterion_ids, status=Status.MET)
    cells = [c for c in cells if c.country_id != country.pk]
    countries = Country.objects.in_bulk({c.country_id for c in cells})
    for cell in cells:
        cell.country = countries[cell.country_id]
    return cells


def find_peers(country, entries, per_gap=PEERS_PER_GAP, at=None):
    """Countries that meet each gap criterion, nearest first (same sub-region, same region,
    then the rest), the best-evidenced first within each (grade A before D, ungraded last),
    then alphabetical; the first `per_gap` with their provisions.

    Two queries for the candidates and one pair for the provisions of those kept, however many
    gaps or countries there are.
    """
    if not entries:
        return
    candidates = _meeting(country, entries, at)
    by_criterion = {}
    for cell in candidates:
        by_criterion.setdefault(cell.criterion_id, []).append(cell)
    rank = {"same sub-region": 0, "same region": 1, "": 2}
    kept = []
    for entry in entries:
        cells = by_criterion.get(entry.criterion.pk, [])
        peers = [Peer(c.country, c, proximity(country, c.country)) for c in cells]
        peers.sort(key=lambda p: (rank[p.proximity], p.cell.evidence_grade or "Z", p.country.name))
        entry.peers_total = len(peers)
        entry.peers = peers[:per_gap]
        kept += [p.cell for p in entry.peers]
    if at is None:  # cells read from the history come with their provisions
        prefetch_related_objects(kept, "provisions__instrument")


def unique_sources(sources):
    seen = {}
    for source in sources:
        if source is not None and source.pk not in seen:
            seen[source.pk] = source
    return sorted(seen.values(), key=lambda s: (s.title, s.page))


def build_gap_report(country, *, now=None, permalink="", per_gap=PEERS_PER_GAP, at=None):
    """Every gap of one country, in priority order, with what to do about it and who does it.
    With `at`, as published at that moment (the treaty standing is today's)."""
    summaries = framework_summaries(country, at)
    participation = lanzarote_participation(country, frameworks_by_code(summaries))
    ratings = annotate_lines(summaries, participation, country)
    gaps, reserved, research, covered = [], [], [], []
    for summary in summaries:
        for line in summary.lines:
            if line.status == Status.MET:
                covered.append(line)
            elif line.status in GAPS:
                gaps.append(GapEntry(line, summary.framework))
            elif line.status == Status.RESERVED:
                reserved.append(GapEntry(line, summary.framework))
            elif line.status == Status.NOT_ASSESSED:
                research.append(line)

    def order(entry):
        return (entry.priority, entry.criterion.code)

    gaps.sort(key=order)
    reserved.sort(key=order)
    for entry in gaps + reserved:
        entry.reservations = participation.reservations_for(entry.criterion)
    find_peers(country, gaps + reserved, per_gap, at)
    own_sources = unique_sources(line.source for s in summaries for line in s.lines)
    own_pks = {s.pk for s in own_sources}
    peer_sources = [
        s
        for s in unique_sources(p.cell.source for e in gaps + reserved for p in e.peers)
        if s.pk not in own_pks
    ]
    return GapReport(
        country=country,
        summaries=summaries,
        participation=participation,
        gaps=gaps,
        reserved=reserved,
        research_gaps=research,
        covered=covered,
        sources=own_sources,
        peer_sources=peer_sources,
        generated_at=now or timezone.now(),
        permalink=permalink,
        published_ratings=ratings,
        published_at=at,
    )


# ---------------------------------------------------------------------------------------------
# Regional / multi-country gap report


@dataclass
class RegionalCountry:
    row: object  # matrix.CountryRow
    statuses: list  # Status per leaf, in the matrix's leaf order

    @property
    def country(self):
        return self.row.country

    @property
    def cells(self):
        """(symbol, word, css class) per leaf: the compact matrix shows the symbol and keeps
        the word for screen readers and tooltips."""
        return [(statuses.symbol(s), s.label, statuses.css_class(s)) for s in self.statuses]

    @property
    def gaps(self):
        return sum(1 for s in self.statuses if s in GAPS)

    @property
    def assessed(self):
        return sum(1 for s in self.statuses if s in ASSESSED)

    @property
    def total(self):
        return len(self.statuses)


@dataclass
class RegionalCriterion:
    criterion: object
    lacking: list  # (Country, Status) not met or partial
    reserved: list  # Country
    met: int
    assessed: int
    total: int


@dataclass
class RegionalReport:
    framework: Framework
    leaves: list
    countries: list  # RegionalCountry, alphabetical (never ranked)
    criteria: list  # RegionalCriterion in display order
    generated_at: datetime.datetime

    @property
    def gap_cells(self):
        return sum(c.gaps for c in self.countries)

    @property
    def assessed_cells(self):
        return sum(c.assessed for c in self.countries)

    @property
    def total_cells(self):
        return sum(c.total for c in self.countries)

    @property
    def countries_with_gaps(self):
        return sum(1 for c in self.countries if c.gaps)

    @property
    def countries_with_any_assessment(self):
        return sum(1 for c in self.countries if c.assessed)

    def long_rows(self):
        """One row per country × criterion, every field as plain text (for CSV/XLSX)."""
        for entry in self.countries:
            row = entry.row
            for leaf in self.leaves:
                cell = row.cells.get(leaf.code)
                status = rules.cell_status(cell)
                assessed = status in ASSESSED
                yield {
                    "iso2": row.country.code,
                    "country": row.country.name,
                    "region": row.country.region,
                    "subregion": row.country.subregion,
                    "framework": self.framework.short_name,
                    "criterion": leaf.code,
                    "criterion_title": leaf.title,
                    "status": status.label,
                    # Unknown is never "no gap": only an assessed cell answers the question.
                    "gap": rules.gap_answer(status),
                    "as_of": cell_as_of(cell) if assessed else "",
                    "evidence_grade": cell.evidence_grade if assessed else "",
                    "source": source_line(cell.source) if assessed else "",
                    "provisions": "; ".join(p.citation() for p in provisions_of(cell))
                    if cell
                    else "",
                    "note": cell.note if cell else "",
                }


def build_regional_report(countries, framework_code, *, now=None, at=None):
    """Countries × criteria of one framework, with who lacks each criterion: 5 queries."""
    countries = sorted(countries, key=lambda c: c.name)
    matrix = build_matrix(countries, framework_code, at=at)
    entries = [
        RegionalCountry(row, [row.status(leaf.code) for leaf in matrix.leaves])
        for row in matrix.rows
    ]
    criteria = []
    for index, leaf in enumerate(matrix.leaves):
        column = [(e.country, e.statuses[index]) for e in entries]
        criteria.append(
            RegionalCriterion(
                criterion=leaf,
                lacking=[(c, s) for c, s in column if s in GAPS],
                reserved=[c for c, s in column if s == Status.RESERVED],
                met=sum(1 for _, s in column if s == Status.MET),
                assessed=sum(1 for _, s in column if s in ASSESSED),
                total=len(column),
            )
        )
    return RegionalReport(
        framework=matrix.framework,
        leaves=matrix.leaves,
        countries=entries,
        criteria=criteria,
        generated_at=now or timezone.now(),
    )
