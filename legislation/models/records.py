"""The evidence cells cite: sources, legal instruments and their provisions, and each
country's participation in a treaty with its reservations."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from .reference import Country, Criterion, Framework


def citation_of_source(title, page):
    """How a source is cited everywhere, "title, page" or "title": `Source.citation()`, also
    for rows read with `values_list`. The import finds sources by this text."""
    return f"{title}, {page}" if page else title


def citation_of_provision(instrument_title, instrument_year, reference):
    """How a provision is cited everywhere, "Instrument (year), reference":
    `Provision.citation()`, also for rows read with `values_list`. The import matches it."""
    year = f" ({instrument_year})" if instrument_year else ""
    return f"{instrument_title}{year}, {reference}"


class ReviewedEvidenceHistory(models.Model):
    """Extra columns on the history of sources, instruments and provisions: a change that public
    cells' evidence went through review for names its author and its proposal here, while
    `history_user` is the Reviewer who approved it (or the editor, for a direct edit)."""

    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    evidence_proposal = models.ForeignKey(
        "EvidenceProposal",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )

    class Meta:
        abstract = True


class Source(models.Model):
    title = models.CharField(max_length=500)
    publisher = models.CharField(max_length=200, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    url = models.URLField("link", blank=True, max_length=500)
    page = models.CharField(max_length=50, blank=True, help_text="Page, chapter or section.")
    note = models.TextField(blank=True)

    history = HistoricalRecords(
        bases=[ReviewedEvidenceHistory], history_change_reason_field=models.TextField(null=True)
    )

    class Meta:
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(fields=["title", "page"], name="source_title_page_unique")
        ]

    def __str__(self):
        return self.citation()

    def citation(self):
        return citation_of_source(self.title, self.page)

    def full_citation(self):
        """For reports' source lists: title, publisher, year, page and link on one line."""
        parts = [self.title]
        if self.publisher and self.publisher not in self.title:
            parts.append(self.publisher)
        if self.year and str(self.year) not in self.title:
            parts.append(str(self.year))
        if self.page:
            parts.append(self.page)
        line = ", ".join(parts)
        return f"{line} <{self.url}>" if self.url else line


class LegalInstrument(models.Model):
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="instruments")
    title = models.CharField(max_length=500)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    url = models.URLField("link", blank=True, max_length=500)
    in_force_date = models.DateField("in force since", null=True, blank=True)
    language = models.CharField(max_length=50, blank=True)
    note = models.TextField(blank=True)

    history = HistoricalRecords(
        bases=[ReviewedEvidenceHistory], history_change_reason_field=models.TextField(null=True)
    )

    class Meta:
        ordering = ["country__name", "title"]

    def __str__(self):
        return f"{self.title} ({self.year})" if self.year else self.title


class Provision(models.Model):
    instrument = models.ForeignKey(
        LegalInstrument, on_delete=models.PROTECT, related_name="provisions"
    )
    reference = models.CharField(
        "article or section", max_length=300, help_text="As the law numbers it, e.g. Art. 293(1)."
    )
    excerpt = models.TextField(blank=True)
    url = models.URLField("link", blank=True, max_length=500)
    version = models.CharField(
        "version read",
        max_length=300,
        blank=True,
        help_text="Which version of the text was read, as its source dates it (e.g. “as amended "
        "to 2018”). Laws change: a reading is only as current as this.",
    )
    location = models.TextField(
        "where the text can be read",
        blank=True,
        help_text="Every place the text was read, with what kind of copy it is (official, "
        "mirror, secondary quotation).",
    )
    criteria_reading = models.TextField(
        "criteria the text speaks to",
        blank=True,
        help_text="Which criteria the text plainly addresses, as read by whoever recorded it. "
        "A reading, not a rating: no cell takes a status from it.",
    )
    reliability = models.CharField("how far to trust the copy", max_length=300, blank=True)
    note = models.TextField(blank=True)

    history = HistoricalRecords(
        bases=[ReviewedEvidenceHistory], history_change_reason_field=models.TextField(null=True)
    )

    class Meta:
        ordering = ["instrument__title", "reference"]

    def __str__(self):
        return self.citation()

    def citation(self):
        instrument = self.instrument
        return citation_of_provision(instrument.title, instrument.year, self.reference)

    @property
    def link(self):
        """The provision's own link, else its instrument's."""
        return self.url or self.instrument.url


class TreatyParticipation(models.Model):
    class Action(models.TextChoices):
        SIGNATURE = "signature", "signed only"
        RATIFICATION = "ratification", "ratified"
        ACCESSION = "accession", "acceded"

    class DateQuality(models.TextChoices):
        OFFICIAL = "official", "official (Council of Europe page)"
        MIXED = "mixed", "mixed (some dates from secondary sources)"
        SECONDARY = "secondary", "secondary sources only – confirm with the Treaty Office"
        # Per date only: e.g. entry into force inferred from being among the first five.
        DERIVED = "derived", "derived from a published fact, not stated as a date"

    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="treaties")
    treaty = models.ForeignKey(
        Framework,
        on_delete=models.PROTECT,
        related_name="participations",
        limit_choices_to={"is_treaty": True},
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    signed = models.DateField(null=True, blank=True, help_text="Blank means unknown.")
    ratified = models.DateField(
        "ratified or acceded", null=True, blank=True, help_text="Blank means unknown."
    )
    in_force = models.DateField(
        "entry into force", null=True, blank=True, help_text="Blank means unknown."
    )
    source = models.TextField(blank=True)
    date_quality = models.CharField(max_length=10, choices=DateQuality.choices, blank=True)
    ratified_as = models.CharField(
        "instrument deposited",
        max_length=20,
        blank=True,
        help_text="As the source words it: ratification, acceptance, approval or accession.",
    )
    signed_source = models.TextField("source of the signature date", blank=True)
    signed_quality = models.CharField(
        "quality of the signature date", max_length=10, choices=DateQuality.choices, blank=True
    )
    ratified_source = models.TextField("source of the deposit date", blank=True)
    ratified_quality = models.CharField(
        "quality of the deposit date", max_length=10, choices=DateQuality.choices, blank=True
    )
    in_force_source = models.TextField("source of the entry-into-force date", blank=True)
    in_force_quality = models.CharField(
        "quality of the entry-into-force date",
        max_length=10,
        choices=DateQuality.choices,
        blank=True,
    )
    notes = models.TextField(
        blank=True,
        help_text="Dated facts that are not dates of this Party's own steps, each with its "
        "source, e.g. “not yet ratified by October 2017”.",
    )
    declarations_listed = models.BooleanField(
        "listed with a reservation or declaration",
        null=True,
        blank=True,
        help_text="Whether a treaty database lists the Party as having made any reservation or "
        "declaration (Art. 37 designations count too). Blank: not checked.",
    )
    objections_listed = models.BooleanField(
        "listed with an objection", null=True, blank=True, help_text="Blank: not checked."
    )
    listing_source = models.TextField("source of those listings", blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["treaty", "country__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["country", "treaty"], name="one_participation_per_treaty"
            )
        ]

    def __str__(self):
        return f"{self.country} – {self.treaty}: {self.get_action_display()}"

    @property
    def is_party(self):
        return self.action in (self.Action.RATIFICATION, self.Action.ACCESSION)


class TreatyReservation(models.Model):
    class Kind(models.TextChoices):
        RESERVATION = "reservation", "reservation"
        DECLARATION = "declaration", "declaration"
        OBJECTION = "objection", "objection"

    class Extent(models.TextChoices):
        # Decides what a cell may read: only a whole exclusion can make it "reserved".
        WHOLE = "whole", "covers the criteria wholly"
        PART = "part", "covers only part of the criteria"

    participation = models.ForeignKey(
        TreatyParticipation, on_delete=models.CASCADE, related_name="reservations"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    article = models.CharField(
        "article invoked",
        max_length=60,
        blank=True,
        help_text="The Convention paragraph relied on, e.g. 20(3), 2nd indent.",
    )
    text = models.TextField(help_text="A short summary of the text, in the source's terms.")
    provisions_affected = models.CharField(
        max_length=300, blank=True, help_text="The Convention provisions it bears on, as stated."
    )
    extent = models.CharField(
        max_length=5,
        choices=Extent.choices,
        blank=True,
        help_text="For a reservation: whether it excludes the criteria below wholly or only "
        "in part (e.g. only consensual self-produced images above the age of consent).",
    )
    made = models.TextField(
        "made or deposited",
        blank=True,
        help_text="The instrument and its date, as the source words it.",
    )
    effective_from = models.DateField(null=True, blank=True, help_text="Blank means unknown.")
    objects_to = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="objections",
        help_text="For an objection: the other Party's reservation or declaration objected to.",
    )
    reliability = models.CharField("how far to trust it", max_length=300, blank=True)
    criteria = models.ManyToManyField(
        Criterion,
        blank=True,
        related_name="reservations",
        limit_choices_to={"is_leaf": True},
        help_text="The sub-paragraphs this reservation covers.",
    )
    source = models.TextField(blank=True)

    history = HistoricalRecords(m2m_fields=[criteria])

    def __str__(self):
        return f"{self.participation.country} – {self.get_kind_display()} {self.article}".strip()

    @property
    def article_label(self):
        """ "Art. 20(3), 2nd indent", or the source's words where no article is invoked."""
        if self.article[:1].isdigit():
            return f"Art. {self.article}"
        return self.article

    @property
    def is_partial(self):
        return self.kind == self.Kind.RESERVATION and self.extent == self.Extent.PART
