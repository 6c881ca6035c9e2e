"""What a Party's treaty record says, and what it does not know yet.

One home for the rules every view (profile, gap report, PDF, Word, side by side) uses to read
a Lanzarote record: where each date came from, which reservations bear on a criterion and
whether they cover it wholly or only in part, and what "no reservation on record" means.
"""

from dataclasses import dataclass, field

from legislation import history
from legislation.matrix import FEW_COUNTRIES
from legislation.models import PublishedRating, TreatyParticipation, TreatyReservation
from legislation.statuses import AS_OF_UNKNOWN as DATE_NOT_FOUND

# The page the Council of Europe keeps of every reservation and declaration to CETS No. 201.
COE_DECLARATIONS_URL = "https://www.coe.int/en/web/conventions/search-on-treaties/-/conventions/treaty/201/declarations"
# Where reservations were looked for (ADDITIONS.md): a Party with none on record has none
# *found in these*, which is not the same as having none.
SOURCES_CHECKED = (
    (
        "Council of Europe Treaty Office, reservations and declarations for treaty 201 "
        "(stored excerpts and per-State pages)",
        COE_DECLARATIONS_URL,
    ),
    (
        "Finnish treaty series (Finlex), treaty 87/2011, list of Parties",
        "https://www.finlex.fi/fi/sopimukset/sopsviite/2011/20110087",
    ),
    (
        "Dutch treaty database, treaty 011605_b",
        "https://verdragenbank.overheid.nl/verdragen/011605_b",
    ),
)
WITHDRAW = "withdraw the reservation"


@dataclass(frozen=True)
class DateRow:
    label: str
    text: str  # the date, or DATE_NOT_FOUND
    source: str
    quality: str  # the quality's words, "" when unknown

    @property
    def found(self):
        return self.text != DATE_NOT_FOUND


def format_date(date):
    return f"{date.day} {date.strftime('%B %Y')}" if date else DATE_NOT_FOUND


def date_rows(record):
    """Signed / deposited / in force, each with its own source and quality.

    A State that accedes never signs, so no signature date is missing for it."""
    if record is None:
        return []
    acceded = record.action == TreatyParticipation.Action.ACCESSION
    steps = [] if acceded and record.signed is None else [("signed", "signed")]
    if record.is_party:
        deposited = record.ratified_as or ("accession" if acceded else "ratification")
        steps += [("ratified", f"{deposited} deposited"), ("in_force", "in force")]
    quality_words = dict(TreatyParticipation.DateQuality.choices)
    rows = []
    for name, label in steps:
        date = getattr(record, name)
        source = getattr(record, f"{name}_source") or (record.source if date else "")
        quality = getattr(record, f"{name}_quality") or (record.date_quality if date else "")
        rows.append(DateRow(label, format_date(date), source, quality_words.get(quality, "")))
    return rows


@dataclass(frozen=True)
class ReservationReading:
    """A reservation as it bears on one criterion: the words every view shows."""

    reservation: TreatyReservation

    @property
    def partial(self):
        return self.reservation.is_partial

    @property
    def headline(self):
        r = self.reservation
        if self.partial:
            verb = "covers only part of this criterion"
        elif r.extent == TreatyReservation.Extent.WHOLE:
            verb = "covers this criterion wholly"
        else:
            verb = "bears on this criterion (how far is not recorded)"
        return f"{r.participation.country.name}'s reservation ({r.article_label}) {verb}"

    @property
    def status_note(self):
        if self.partial:
            return (
                "The cell keeps its own status: the rest of the offence stays in force, so the "
                "criterion is not “reserved”."
            )
        return "A criterion wholly excluded by a permitted reservation reads “reserved”."

    @property
    def ask(self):
        return WITHDRAW


def readings_for(criterion, reservations):
    """The reservations (not declarations or objections) that bear on a criterion."""
    return [
        ReservationReading(r)
        for r in reservations
        if r.kind == TreatyReservation.Kind.RESERVATION
        and any(c.pk == criterion.pk for c in r.criteria.all())
    ]


@dataclass
class TreatyRecord:
    """A Party's record as the views read it. `reservations` come prefetched with criteria."""

    record: TreatyParticipation | None
    reservations: list = field(default_factory=list)

    @property
    def dates(self):
        return date_rows(self.record)

    @property
    def dated(self):
        return any(row.found for row in self.dates)

    @property
    def notes(self):
        return self.record.notes.splitlines() if self.record and self.record.notes else []

    @property
    def on_criteria(self):
        """Reservations that affect any criterion, with the criteria they affect."""
        return [
            r
            for r in self.reservations
            if r.kind == TreatyReservation.Kind.RESERVATION and r.criteria.all()
        ]

    @property
    def none_on_record(self):
        return not self.reservations

    @property
    def sources_checked(self):
        return SOURCES_CHECKED

    @property
    def declarations_url(self):
        return COE_DECLARATIONS_URL

    @property
    def listed_but_unread(self):
        """A treaty database lists some reservation or declaration we have not read."""
        return bool(self.record and self.record.declarations_listed and self.none_on_record)


def attach_readings(lines, reservations):
    """Give each profile / report line the reservations that bear on its criterion."""
    for line in lines:
        line.reservation_readings = readings_for(line.criterion, reservations)


def published_ratings(country):
    """What ICMEC published for this country, edition by edition (one query + prefetch)."""
    return list(PublishedRating.objects.for_display().filter(country=country))


def rating_lines(ratings, criterion):
    """ "ICMEC 1st ed. (2006): met" for a criterion, for each edition that says anything of it."""
    lines = []
    for rating in ratings:
        said = rating.said_of(criterion)
        if said:
            lines.append(f"{rating.edition_label}: {said}")
    return lines


def attach_ratings(lines, ratings):
    for line in lines:
        line.published = rating_lines(ratings, line.criterion)


def reservations_of(countries, at=None):
    """The reservations (not declarations or objections) these countries made to the treaties
    they are Party to, with their criteria; with `at`, as they stood then (`records_at`)."""
    if at is None:
        return list(
            TreatyReservation.objects.filter(
                participation__country__in=countries, kind=TreatyReservation.Kind.RESERVATION
            )
            .select_related("participation__country")
            .prefetch_related("criteria")
        )
    by_pk = {c.pk: c for c in countries}
    parties = history.records_at(TreatyParticipation, at, country_id__in=list(by_pk))
    for party in parties.values():
        party.country = by_pk[party.country_id]
    reservations = history.records_at(
        TreatyReservation,
        at,
        participation_id__in=list(parties),
        kind=TreatyReservation.Kind.RESERVATION,
    )
    for reservation in reservations.values():
        reservation.participation = parties[reservation.participation_id]
    return sorted(reservations.values(), key=lambda r: r.pk)


def beside_cells(countries, at=None):
    """(country pk, criterion pk) → what to show beside that cell: the reservations bearing on
    it (as they stood at `at`, if given) and what ICMEC's editions said of it. A constant
    number of queries whatever the number of countries."""
    notes = {}
    for r in reservations_of(countries, at):
        reading = ReservationReading(r)
        for criterion in r.criteria.all():
            key = (r.participation.country_id, criterion.pk)
            notes.setdefault(key, []).append(
                f"⚠ {reading.headline}: {r.text} {reading.status_note} The ask: {reading.ask}."
            )
    for rating in PublishedRating.objects.for_display().filter(country__in=countries):
        for said, criteria in (("met", rating.criteria_met), ("not met", rating.criteria_not_met)):
            for criterion in criteria.all():
                key = (rating.country_id, criterion.pk)
                notes.setdefault(key, []).append(
                    f"{rating.edition_label}: {said} (published, not this site's assessment)"
                )
    return notes


def published_ratings_of(countries, framework):
    """Published ratings of these countries under one framework, with what a table of them
    shows (country, edition, source), without the criteria: one query."""
    ratings = PublishedRating.objects.select_related("framework", "country")
    ids = [c.pk for c in countries]
    if len(ids) <= FEW_COUNTRIES:
        return list(ratings.filter(country__in=ids, framework=framework))
    # Past a few countries, the framework's ratings and the others dropped: planning a list of
    # a few hundred ids costs more than the few ratings it would leave out.
    shown = set(ids)
    return [r for r in ratings.filter(framework=framework) if r.country_id in shown]
