"""What the app knows: countries, the two frameworks and their criteria, and each country's
status against each criterion with the law and the source it rests on."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords
from simple_history.signals import pre_create_historical_record

from .statuses import ASSESSED, EvidenceGrade, Status

GLOBAL_SOUTH = "global-south"
GLOBAL_NORTH = "global-north"


class CountryGroup(models.Model):
    slug = models.SlugField(unique=True, help_text="Used in links, e.g. ?group=coe.")
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    source = models.TextField(blank=True, help_text="Where the membership list comes from.")
    display_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["display_order", "name"]

    def __str__(self):
        return self.name


class CountryQuerySet(models.QuerySet):
    def in_group(self, slug):
        # "Global South" is defined by WePROTECT as everyone outside the Global North,
        # so it is derived rather than stored and cannot drift out of step.
        if slug == GLOBAL_SOUTH:
            return self.exclude(groups__slug=GLOBAL_NORTH)
        return self.filter(groups__slug=slug)

    def in_region(self, region):
        return self.filter(region=region)

    def in_subregion(self, subregion):
        return self.filter(subregion=subregion)


class Country(models.Model):
    iso2 = models.CharField("ISO alpha-2", max_length=2, unique=True)
    iso3 = models.CharField("ISO alpha-3", max_length=3, unique=True)
    iso_numeric = models.CharField(
        "ISO numeric", max_length=3, blank=True, help_text="Blank where ISO assigns none (Kosovo)."
    )
    name = models.CharField(max_length=100, unique=True)
    official_name = models.CharField(max_length=200, blank=True)
    region = models.CharField("UN M49 region", max_length=50)
    subregion = models.CharField("UN M49 sub-region", max_length=50)
    un_status = models.CharField(
        "UN status",
        max_length=10,
        choices=[
            ("member", "UN member state"),
            ("observer", "UN observer state"),
            ("other", "Other"),
        ],
    )
    groups = models.ManyToManyField(CountryGroup, related_name="countries", blank=True)

    objects = CountryQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "countries"

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("legislation:country", kwargs={"iso2": self.code})

    @property
    def code(self):
        """The lower-case alpha-2 code public URLs use."""
        return self.iso2.lower()


class Framework(models.Model):
    ICMEC = "icmec"
    LANZAROTE = "lanzarote"

    code = models.SlugField(unique=True)
    name = models.CharField(max_length=200)
    short_name = models.CharField(max_length=50)
    publisher = models.CharField(max_length=200)
    edition = models.CharField(max_length=100, blank=True)
    year = models.PositiveSmallIntegerField()
    url = models.URLField("official link")
    description = models.TextField()
    assessment_note = models.TextField(blank=True)
    is_treaty = models.BooleanField(
        default=False, help_text="Countries become Parties to a treaty; a model law has no Parties."
    )
    display_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["display_order"]

    def __str__(self):
        return self.short_name


class CriterionQuerySet(models.QuerySet):
    def leaves(self):
        return self.filter(is_leaf=True)

    def articles(self):
        return self.filter(is_leaf=False)

    def of_framework(self, code):
        return self.filter(framework__code=code)


class Criterion(models.Model):
    class Reservation(models.TextChoices):
        NO = "no", "no reservation allowed"
        YES = "yes", "may be reserved in full"
        PARTIAL = "partial", "may be reserved in part"

    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="criteria")
    code = models.CharField(
        max_length=20, unique=True, help_text="Stable code, e.g. ICMEC.4 or L20.1.e."
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        help_text="For Lanzarote sub-paragraphs: the article they belong to.",
    )
    is_leaf = models.BooleanField(
        default=True,
        help_text="Leaves are assessed; article nodes are rolled up from their sub-paragraphs.",
    )
    article = models.CharField(max_length=10, blank=True, help_text="Convention article, e.g. 20.")
    title = models.CharField(max_length=200)
    summary = models.TextField(help_text="One plain-language line: what the criterion asks.")
    must_contain = models.TextField(
        "what a law must contain",
        blank=True,
        help_text="Drafting guidance shown in gap reports as what a good law would say.",
    )
    common_gaps = models.TextField(blank=True, help_text="How laws typically fall short.")
    priority = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="1 = address first when a country has several gaps."
    )
    priority_reason = models.TextField(blank=True)
    reservation_allowed = models.CharField(
        max_length=10, choices=Reservation.choices, default=Reservation.NO
    )
    reservation_article = models.CharField(
        max_length=20, blank=True, help_text="The Convention paragraph permitting a reservation."
    )
    display_order = models.PositiveSmallIntegerField(default=0)

    objects = CriterionQuerySet.as_manager()

    class Meta:
        ordering = ["framework__display_order", "display_order"]
        verbose_name_plural = "criteria"

    def __str__(self):
        return f"{self.code} {self.title}"

    def get_absolute_url(self):
        return reverse("legislation:criterion", kwargs={"code": self.code})

    @property
    def allows_reservation(self):
        return self.reservation_allowed != self.Reservation.NO


class Source(models.Model):
    title = models.CharField(max_length=500)
    publisher = models.CharField(max_length=200, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    url = models.URLField("link", blank=True, max_length=500)
    page = models.CharField(max_length=50, blank=True, help_text="Page, chapter or section.")
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(fields=["title", "page"], name="source_title_page_unique")
        ]

    def __str__(self):
        return f"{self.title}, {self.page}" if self.page else self.title


class LegalInstrument(models.Model):
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="instruments")
    title = models.CharField(max_length=500)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    url = models.URLField("link", blank=True, max_length=500)
    in_force_date = models.DateField("in force since", null=True, blank=True)
    language = models.CharField(max_length=50, blank=True)
    note = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["country__name", "title"]

    def __str__(self):
        return f"{self.title} ({self.year})" if self.year else self.title


class Provision(models.Model):
    instrument = models.ForeignKey(
        LegalInstrument, on_delete=models.PROTECT, related_name="provisions"
    )
    reference = models.CharField(
        "article or section", max_length=100, help_text="As the law numbers it, e.g. Art. 293(1)."
    )
    excerpt = models.TextField(blank=True)
    url = models.URLField("link", blank=True, max_length=500)

    history = HistoricalRecords()

    class Meta:
        ordering = ["instrument__title", "reference"]

    def __str__(self):
        return f"{self.instrument}, {self.reference}"


class ReviewedHistory(models.Model):
    """Extra columns on every historical Assessment row: who proposed the change it records
    and which proposal it came from. `history_user` is the Reviewer who approved (applied) it."""

    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    proposal = models.ForeignKey(
        "ChangeProposal",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )

    class Meta:
        abstract = True


class AssessmentQuerySet(models.QuerySet):
    def assessed(self):
        return self.exclude(status=Status.NOT_ASSESSED)

    def of_framework(self, code):
        return self.filter(criterion__framework__code=code)

    def for_display(self):
        return self.select_related("country", "criterion", "source").prefetch_related(
            "provisions__instrument"
        )


class Assessment(models.Model):
    class AsOfPrecision(models.TextChoices):
        DAY = "day", "day"
        MONTH = "month", "month"
        YEAR = "year", "year"

    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="assessments")
    criterion = models.ForeignKey(
        Criterion,
        on_delete=models.PROTECT,
        related_name="assessments",
        limit_choices_to={"is_leaf": True},
    )
    status = models.CharField(
        max_length=20,
        choices=Status.choices,
        default=Status.NOT_ASSESSED,
        help_text="“Not assessed” means nobody has verified it yet; it is never a gap.",
    )
    as_of = models.DateField(
        "as of", null=True, blank=True, help_text="The date the law was read in this state."
    )
    as_of_precision = models.CharField(
        max_length=5,
        choices=AsOfPrecision.choices,
        default=AsOfPrecision.DAY,
        help_text="When the source gives only a year, record 31 December and choose “year”.",
    )
    evidence_grade = models.CharField(max_length=1, choices=EvidenceGrade.choices, blank=True)
    note = models.TextField(
        blank=True, help_text="What the law covers and what it misses, in plain words."
    )
    source = models.ForeignKey(
        Source, null=True, blank=True, on_delete=models.PROTECT, related_name="assessments"
    )
    provisions = models.ManyToManyField(Provision, blank=True, related_name="assessments")
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    # Optimistic locking: a save must name the version it was edited from.
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(m2m_fields=[provisions], bases=[ReviewedHistory])
    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = [
            "country__name",
            "criterion__framework__display_order",
            "criterion__display_order",
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["country", "criterion"], name="one_assessment_per_country_criterion"
            ),
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="assessment_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(evidence_grade__in=["", *EvidenceGrade.values]),
                name="assessment_evidence_grade_valid",
            ),
        ]

    def __str__(self):
        return f"{self.country} – {self.criterion.code}: {Status(self.status).label}"

    @property
    def is_assessed(self):
        return self.status in ASSESSED

    def clean(self):
        errors = {}
        criterion = self.criterion if self.criterion_id else None
        if criterion is not None and not criterion.is_leaf:
            errors["criterion"] = (
                f"{criterion.code} is an article heading; assess its sub-paragraphs instead."
            )
        if (
            criterion is not None
            and self.status == Status.RESERVED
            and not criterion.allows_reservation
        ):
            errors["status"] = (
                f"“Reserved” is not possible for {criterion.code} ({criterion.title}): "
                "the Convention allows no reservation to it."
            )
        if self.status in ASSESSED and self.source_id is None:
            errors["source"] = "An assessed status needs a source."
        if errors:
            raise ValidationError(errors)


class TreatyParticipation(models.Model):
    class Action(models.TextChoices):
        SIGNATURE = "signature", "signed only"
        RATIFICATION = "ratification", "ratified"
        ACCESSION = "accession", "acceded"

    class DateQuality(models.TextChoices):
        OFFICIAL = "official", "official (Council of Europe page)"
        MIXED = "mixed", "mixed (some dates from secondary sources)"
        SECONDARY = "secondary", "secondary sources only – confirm with the Treaty Office"

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

    participation = models.ForeignKey(
        TreatyParticipation, on_delete=models.CASCADE, related_name="reservations"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    article = models.CharField(max_length=20, blank=True, help_text="e.g. 20(3)")
    text = models.TextField()
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


class PublishedFigure(models.Model):
    """An aggregate as ICMEC (or a report citing it) published it — never computed here."""

    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="figures")
    edition = models.PositiveSmallIntegerField()
    year = models.PositiveSmallIntegerField()
    figure = models.SlugField(max_length=50)
    scope = models.SlugField(
        max_length=50, help_text="“all” = all countries reviewed; otherwise the subset counted."
    )
    value = models.PositiveIntegerField()
    meaning = models.TextField()
    source = models.TextField()

    class Meta:
        ordering = ["-edition", "figure"]
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "edition", "figure", "scope"], name="one_published_figure"
            )
        ]

    def __str__(self):
        return f"{self.framework} ed. {self.edition}: {self.figure} = {self.value}"


class ChangeBatch(models.Model):
    """One editor's save, one import file or one revert: the proposals made together, with the
    single reason that will stand in the history of every cell they change."""

    class Kind(models.TextChoices):
        EDIT = "edit", "edit in the admin"
        IMPORT = "import", "spreadsheet import"
        REVERT = "revert", "revert"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="change_batches"
    )
    reason = models.CharField(max_length=250)
    file_name = models.CharField(max_length=255, blank=True)
    file_sha256 = models.CharField(max_length=64, blank=True)
    reverts = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reverted_by",
        help_text="For a batch revert: the batch whose changes it undoes.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "change batches"

    def __str__(self):
        what = self.file_name or self.get_kind_display()
        return f"Batch #{self.pk}: {what} by {self.author}"


class ChangeProposalQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(state=ChangeProposal.State.PENDING)

    def for_queue(self):
        return self.select_related(
            "batch__author",
            "assessment__country",
            "assessment__criterion__framework",
            "source",
            "reviewed_by",
        ).prefetch_related("provisions__instrument")


class ChangeProposal(models.Model):
    """A proposed value for one cell. It reaches `Assessment` (and so every public page) only
    when a Reviewer other than its author approves it."""

    class State(models.TextChoices):
        PENDING = "pending", "pending review"
        APPROVED = "approved", "approved"
        REJECTED = "rejected", "rejected"
        SUPERSEDED = "superseded", "superseded by the author's newer proposal"

    batch = models.ForeignKey(ChangeBatch, on_delete=models.PROTECT, related_name="proposals")
    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="proposals")
    base_version = models.PositiveIntegerField(
        help_text="The cell's version when the change was made; approval needs it unchanged."
    )
    before = models.JSONField(help_text="The approved values the author saw, for the diff.")
    status = models.CharField(max_length=20, choices=Status.choices)
    as_of = models.DateField("as of", null=True, blank=True)
    as_of_precision = models.CharField(
        max_length=5, choices=Assessment.AsOfPrecision.choices, default="day"
    )
    evidence_grade = models.CharField(max_length=1, choices=EvidenceGrade.choices, blank=True)
    note = models.TextField(blank=True)
    source = models.ForeignKey(
        Source, null=True, blank=True, on_delete=models.PROTECT, related_name="proposals"
    )
    provisions = models.ManyToManyField(Provision, blank=True, related_name="proposals")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reviewed_proposals",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_comment = models.TextField(blank=True)

    objects = ChangeProposalQuerySet.as_manager()

    class Meta:
        ordering = ["-batch__created_at", "pk"]
        verbose_name = "proposed change"
        verbose_name_plural = "proposed changes (review queue)"
        permissions = [("review_changeproposal", "Can approve or reject proposed changes")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="proposal_status_valid"
            ),
        ]

    def __str__(self):
        return f"Change #{self.pk}: {self.assessment.country} – {self.assessment.criterion.code}"

    @property
    def author(self):
        return self.batch.author


@receiver(pre_create_historical_record)
def _record_the_proposal(sender, instance, history_instance, **kwargs):
    """An approved proposal leaves its id and author on the history row it creates."""
    proposal = getattr(instance, "_proposal", None)
    if proposal is not None and isinstance(instance, Assessment):
        history_instance.proposal_id = proposal.pk
        history_instance.proposed_by_id = proposal.batch.author_id


class ImportUpload(models.Model):
    """A file that passed its dry run, kept until its author confirms (or discards) it, with the
    version of every cell it would change, so that confirming refuses cells changed meanwhile."""

    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    file_name = models.CharField(max_length=255)
    content = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    versions = models.JSONField(help_text="Cell id → version seen by the dry run.")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"{self.file_name} ({self.author}, {self.created_at:%Y-%m-%d %H:%M})"
