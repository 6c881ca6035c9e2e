"""The country gap report: which criteria are gaps, in priority order, with peers that meet them."""

import datetime
from dataclasses import dataclass, field

from django.db.models import prefetch_related_objects
from django.utils import timezone

from legislation import history
from legislation.models import (
    Assessment,
    Country,
    Framework,
)
from legislation.reports.profile import (
    CriterionLine,
    Participation,
    annotate_lines,
    framework_summaries,
    frameworks_by_code,
    lanzarote_participation,
    provisions_of,
)
from legislation.rules import GAPS
from legislation.statuses import Status, cell_as_of

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
    participation = lanzarote_participation(country, frameworks_by_code(summaries), at)
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
